import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL_PATH } from '../../events';
import { runCli } from './run-cli';

/** Runs `orderscope model check <file>`; resolves to what it printed with console.log. */
async function modelCheck(file: string): Promise<string> {
  const printed: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...line) => void printed.push(line.join(' ')));
  try {
    await runCli('model', 'check', file);
    return printed.join('\n');
  } finally {
    log.mockRestore();
  }
}

describe('orderscope model check', () => {
  it('prints the roles of the model', async () => {
    const out = await modelCheck(DEFAULT_MODEL_PATH);
    expect(out.split('\n').slice(-1)).toEqual(['roles: confirmation confirmed, completion shipped']);
  });

  it('reports a wrong role like any other problem of the model, with its line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-model-check-'));
    const file = path.join(dir, 'model.yaml');
    const text = readFileSync(DEFAULT_MODEL_PATH, 'utf8').replace('completion: shipped ', 'completion: produced').replace('confirmation: confirmed', 'confirmation: approved');
    writeFileSync(file, text);
    const line = (key: string) => text.split('\n').findIndex((l) => l.trimStart().startsWith(`${key}:`)) + 1;
    await expect(modelCheck(file)).rejects.toThrow(
      'the process model has 2 problems:\n' +
        `  ${path.relative(process.cwd(), file)}:${line('confirmation')}: roles.confirmation: unknown state "approved" (states are: placed, quote_requested, pricing, quoted, assigned, confirmed, in_production, produced, shipped, cancelled)\n` +
        `  ${path.relative(process.cwd(), file)}:${line('completion')}: roles.completion: "produced" is not terminal: reaching the completion state ends an order (terminal states are: shipped, cancelled)`,
    );
  });
});

import { buildProgram } from '../program';

/**
 * Runs `orderscope <args>` in this process; resolves to what it printed (standard output, and what it
 * said on standard error through console.error), or rejects with its error: main.ts prints an
 * OrderscopeError as `orderscope: <message>`.
 */
export async function runCli(...args: string[]): Promise<{ out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  const stderr = jest.spyOn(console, 'error').mockImplementation((...line) => void err.push(line.join(' ')));
  try {
    const argv = ['node', 'orderscope', ...args];
    await buildProgram(argv).exitOverride().parseAsync(argv);
    return { out: out.join(''), err: err.join('\n') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

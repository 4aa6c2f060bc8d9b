import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './run-cli';

const model = (name: string, limits: string) => `name: ${name}
states:
  - { name: received, label: Order received, system: import, ${limits} }
  - { name: shipped, system: import, terminal: true }
transitions:
  - { from: received, to: shipped }
`;

// Several runs of the CLI, each a process that opens an embedded PGlite store: seconds apiece, and
// on a loaded two-core machine more than the global 30 s together.
jest.setTimeout(180_000);

describe('orderscope model backtest', () => {
  it('replays a proposed model over the imported history beside the current one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-backtest-'));
    const file = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const current = file('current.yaml', model('current', 'expect_within: 1h, lost_after: 2h'));
    const proposed = file('proposed.yaml', model('current', 'expect_within: 4h, lost_after: 1d'));
    // Three orders: shipped after 30 minutes, after 3 hours, and one received where the log ends (its
    // stay lasts until its source's history clock: the log's last event, its own).
    const log = file('log.csv', 'case,activity,timestamp\n1,Order received,2026-02-01T09:00:00Z\n1,shipped,2026-02-01T09:30:00Z\n2,Order received,2026-02-01T10:00:00Z\n2,shipped,2026-02-01T13:00:00Z\n3,Order received,2026-02-02T10:00:00Z\n');
    const data = path.join(dir, 'data');
    await runCli('import', log, '--model', current, '--data-dir', data);
    const { out } = await runCli('model', 'backtest', proposed, '--model', current, '--from', '2026-02-01', '--to', '2026-02-02', '--data-dir', data);
    expect(out.slice(0, out.indexOf('Each stay is judged'))).toBe(
      [
        'backtest: current model "current" -> proposed "current"',
        'state           stuck   lost    pages   tickets  SLO met',
        'Order received  1 -> 0  1 -> 0  1 -> 0  1 -> 0   — -> —',
        '',
        '',
      ].join('\n'),
    );
  });
});

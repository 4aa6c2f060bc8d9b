import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../test/run-cli';

const MODEL = `name: imported
states:
  - { name: received, label: Order received, system: import }
  - { name: shipped, label: Shipped, system: import, terminal: true }
transitions:
  - { from: received, to: shipped }
`;

// Several runs of the CLI, each a process that opens an embedded PGlite store: seconds apiece, and
// on a loaded two-core machine more than the global 30 s together.
jest.setTimeout(180_000);

describe('orderscope import', () => {
  it('writes a log into the data directory; importing it again accepts the same events and adds none', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-import-cli-'));
    const log = path.join(dir, 'log.csv');
    const model = path.join(dir, 'model.yaml');
    writeFileSync(log, 'case_id,activity,timestamp\n7,Order received,2026-02-01 09:00:00\n7,Shipped,2026-02-01 10:30:00\n7,Bogus,2026-02-01 11:00:00\n');
    writeFileSync(model, MODEL);
    const args = ['import', log, '--model', model, '--data-dir', path.join(dir, 'data'), '--time-zone', 'Europe/Lisbon'];
    const first = await runCli(...args);
    expect(first.out).toContain('sent 3, accepted 2, rejected 1');
    expect(first.out).toContain('line 4: activity: "Bogus" is not a state of model "imported"');
    expect(process.exitCode).toBe(2);
    process.exitCode = 0;
    expect((await runCli(...args)).out).toContain('sent 3, accepted 2, rejected 1');
    process.exitCode = 0;
  });

  it.each([
    [['import', '/nonexistent/log.csv'], 'cannot import /nonexistent/log.csv: there is no such file'],
    [['import', __filename, '--format', 'json'], '--format json: write csv or xes'],
    [['import', __filename, '--time-zone', 'Mars/Olympus'], '--time-zone Mars/Olympus: not a time zone; write an IANA name such as Europe/Amsterdam, or UTC'],
    [['import', __filename, '--collector', 'http://x', '--data-dir', 'd'], 'give one of --collector, --data-dir: where the events go'],
  ])('refuses %j in plain words', async (args, message) => {
    await expect(runCli(...args)).rejects.toThrow(message);
  });
});

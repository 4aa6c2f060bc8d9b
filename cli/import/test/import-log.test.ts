import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { loadModel } from '../../../events';
import { migrate, type Db } from '../../../tracker';
import { readCsvLog } from '../csv-log';
import { importLog, logEvents } from '../import-log';
import { nameOf, orderIdOf } from '../log-record';
import { logTimestamp } from '../log-time';
import { storeSink } from '../store-sink';
import { readXesLog } from '../xes-log';
import { openTestPglite } from '../../../tracker/test/pglite-template';

/** The clock of the store sink: after every event of these logs (they are fixed data, from 2026). */
const NOW = Date.UTC(2027, 0, 1);

function fileWith(name: string, content: string | Buffer): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'orderscope-import-')), name);
  writeFileSync(file, content);
  return file;
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const CSV = [
  'case:concept:name,concept:name,time:timestamp,org:resource,amount',
  'A-1,Order received,2026-03-29T01:30:00+01:00,Ann,10',
  'A-1,"T02 Check confirmation of receipt, again",2026-03-29T03:10:00+02:00,Bob,',
  'A-1,Shipped!,2026-03-29T03:10:00+02:00,,',
  'A-2,Order received,2026-03-29 00:59:59.5Z,Ann,',
  'A/3 x,Order received,2026-03-29T08:00:00+02:00,Cy,5',
  '',
].join('\n');

describe('reading event logs', () => {
  it.each([
    ['2026-03-29T01:30:00+01:00', undefined, '2026-03-29T01:30:00+01:00'],
    ['2026-03-29 01:30:00.125 +0100', undefined, '2026-03-29T01:30:00.125+01:00'],
    ['2026-03-29T01:30:00z', undefined, '2026-03-29T01:30:00Z'],
    ['2026-03-29 01:30', 'Europe/Amsterdam', '2026-03-29T01:30:00+01:00'],
    ['2026-03-29 03:30:00', 'Europe/Amsterdam', '2026-03-29T03:30:00+02:00'],
    // Clocks go back at 03:00: 02:30 happens twice, and reads as the first (summer time).
    ['2026-10-25 02:30:00', 'Europe/Amsterdam', '2026-10-25T02:30:00+02:00'],
    ['2026-10-25 02:30:00', 'America/St_Johns', '2026-10-25T02:30:00-02:30'],
    ['2026-07-01 12:00:00', 'UTC', '2026-07-01T12:00:00Z'],
  ])('reads %s (zone %s) as %s', (text, zone, expected) => {
    expect(logTimestamp(text, zone)).toEqual({ value: expected });
  });

  it.each([
    ['2026-03-29 02:30:00', 'Europe/Amsterdam', '"2026-03-29 02:30:00" does not exist in Europe/Amsterdam (the clocks skipped it at a daylight saving change)'],
    ['2026-03-29 01:30:00', undefined, '"2026-03-29 01:30:00" has no time zone offset; pass --time-zone with the zone the log was written in (e.g. Europe/Amsterdam, or UTC)'],
    ['29/03/2026', undefined, '"29/03/2026" is not a timestamp; write it as 2026-03-29T01:30:00+01:00 (or 2026-03-29 01:30:00 with --time-zone)'],
  ])('says what is wrong with %s (zone %s)', (text, zone, error) => {
    expect(logTimestamp(text, zone)).toEqual({ error });
  });

  it('makes names and order ids of any text', () => {
    expect(['T02 Check confirmation of receipt', 'Shipped!', '01 Start', 'Überprüfung', '***', 'x'.repeat(80)].map(nameOf)).toEqual([
      't02_check_confirmation_of_receipt',
      'shipped',
      's_01_start',
      'uberprufung',
      expect.stringMatching(/^s_[0-9a-f]{8}$/),
      expect.stringMatching(/^x{55}_[0-9a-f]{8}$/),
    ]);
    // An id that is one stays; any other gets a hash of the whole, so that "A B" and "A/B" stay two orders.
    const ids = [orderIdOf('A-3'), orderIdOf('A/3 x'), orderIdOf('A 3 x'), orderIdOf('case 1'), orderIdOf('..'), orderIdOf(`${'x'.repeat(200)}`)];
    expect(ids).toEqual([
      'A-3',
      expect.stringMatching(/^A_3_x_[0-9a-f]{12}$/),
      expect.stringMatching(/^A_3_x_[0-9a-f]{12}$/),
      expect.stringMatching(/^case_1_[0-9a-f]{12}$/),
      expect.stringMatching(/^case_[0-9a-f]{12}$/),
      expect.stringMatching(/^x{115}_[0-9a-f]{12}$/),
    ]);
    expect(ids[1]).not.toBe(ids[2]);
  });

  it('reads a CSV log by its process-mining column names, names a bad row by its line and goes on', async () => {
    const csv = CSV.replace('A-2,Order received,2026-03-29 00:59:59.5Z,Ann,', 'A-2,Order received,2026-03-29 00:59:59.5Z,Ann,1,extra');
    const records = await all(readCsvLog(Readable.from([csv]), { attributes: { amount: 'amount' } }));
    expect(records).toEqual([
      { line: 2, caseId: 'A-1', activity: 'Order received', timestamp: '2026-03-29T01:30:00+01:00', resource: 'Ann', source: undefined, attributes: { amount: '10' } },
      { line: 3, caseId: 'A-1', activity: 'T02 Check confirmation of receipt, again', timestamp: '2026-03-29T03:10:00+02:00', resource: 'Bob', source: undefined, attributes: {} },
      { line: 4, caseId: 'A-1', activity: 'Shipped!', timestamp: '2026-03-29T03:10:00+02:00', resource: '', source: undefined, attributes: {} },
      { line: 5, error: 'row: has 6 fields where the header has 5; check its quotes and delimiters (--delimiter)' },
      { line: 6, caseId: 'A/3 x', activity: 'Order received', timestamp: '2026-03-29T08:00:00+02:00', resource: 'Cy', source: undefined, attributes: { amount: '5' } },
    ]);
  });

  it('names the columns it has when one it needs is missing', async () => {
    await expect(all(readCsvLog(Readable.from(['id,step,when\n1,a,2026-01-01T00:00:00Z\n'])))).rejects.toThrow(
      'no case id column: the header has none of case:concept:name, case_id, case id, caseid, case; name it with --case-column (the header has: id, step, when)',
    );
    await expect(all(readCsvLog(Readable.from(['id,step,when\n1,a,2026-01-01T00:00:00Z\n']), { caseId: 'id', activity: 'stage' }))).rejects.toThrow(
      '--activity-column "stage": the header has no such column (it has: id, step, when)',
    );
  });

  it('reads an XES log: trace and event attributes, globals, nested attributes left out', async () => {
    const xes = `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="org:resource" value="nobody"/></global>
  <classifier name="Activity" keys="concept:name"/>
  <trace>
    <string key="concept:name" value="case 1"/>
    <event>
      <string key="concept:name" value="Order &amp; check"/>
      <date key="time:timestamp" value="2026-03-29T01:30:00.000+01:00"/>
      <string key="org:resource" value="Ann"/>
      <list key="history"><values><string key="concept:name" value="not this"/></values></list>
    </event>
    <event>
      <date key="time:timestamp" value="2026-03-29T03:30:00.000+02:00"/>
      <string key="concept:name" value="Done"/>
    </event>
  </trace>
  <trace>
    <event><string key="concept:name" value="Late id"/><date key="time:timestamp" value="2026-03-30T10:00:00Z"/></event>
    <string key="concept:name" value="case 2"/>
    <event><string key="concept:name" value="No time"/></event>
  </trace>
</log>`;
    // One character at a time: nothing depends on where the chunks of the stream end.
    const records = await all(readXesLog(Readable.from(xes.split('')) as AsyncIterable<string>));
    expect(records).toEqual([
      { line: 8, caseId: 'case 1', activity: 'Order & check', timestamp: '2026-03-29T01:30:00.000+01:00', resource: 'Ann', source: undefined, attributes: {} },
      { line: 14, caseId: 'case 1', activity: 'Done', timestamp: '2026-03-29T03:30:00.000+02:00', resource: 'nobody', source: undefined, attributes: {} },
      // An event before its trace's id waits for the trace to end; the tracker orders events by time anyway.
      { line: 22, error: 'event: no "time:timestamp" (name the keys with --case-column, --activity-column, --timestamp-column)' },
      { line: 20, caseId: 'case 2', activity: 'Late id', timestamp: '2026-03-30T10:00:00Z', resource: 'nobody', source: undefined, attributes: {} },
    ]);
  });

  it('says where an XES file stops being XML', async () => {
    await expect(all(readXesLog(Readable.from(['<log><trace><event></trace></log>']) as AsyncIterable<string>))).rejects.toThrow(/^the file is not well-formed XML \(XES\): 1:\d+: unexpected close tag/);
  });

  it('turns rows into order events with ids and seq that the same file always gives', async () => {
    const file = fileWith('log.csv', CSV);
    const items = async () => all(logEvents((await import('node:fs')).createReadStream(file), { file, source: 'ERP system' }));
    const first = await items();
    expect(first).toEqual([
      expect.objectContaining({ line: 2, event: expect.objectContaining({ order_id: 'A-1', state: 'order_received', source: 'erp_system', seq: 0, occurred_at: '2026-03-29T01:30:00+01:00', attributes: { activity: 'Order received', operator_id: 'Ann', 'orderscope.backfill': true } }) }),
      expect.objectContaining({ line: 3, event: expect.objectContaining({ state: 't02_check_confirmation_of_receipt_again', seq: 1 }) }),
      expect.objectContaining({ line: 4, event: expect.objectContaining({ state: 'shipped', seq: 2, attributes: { activity: 'Shipped!', 'orderscope.backfill': true } }) }),
      expect.objectContaining({ line: 5, event: expect.objectContaining({ order_id: 'A-2', seq: 0, occurred_at: '2026-03-29T00:59:59.5Z' }) }),
      expect.objectContaining({ line: 6, event: expect.objectContaining({ order_id: expect.stringMatching(/^A_3_x_[0-9a-f]{12}$/), attributes: { activity: 'Order received', operator_id: 'Cy', case_id: 'A/3 x', 'orderscope.backfill': true } }) }),
    ]);
    expect(await items()).toEqual(first);
    expect(new Set(first.map((i) => ('event' in i ? i.event.event_id : ''))).size).toBe(5);
  });

  it('maps activities to a model\'s states by label or alias, and rejects one it does not know by its line', async () => {
    const model = loadModel(`name: t
states:
  - { name: received, label: Order received, system: erp }
  - { name: check, label: "T02 Check confirmation of receipt, again", system: erp, expect_within: 1h, lost_after: 2h }
  - { name: shipped, aliases: ["Shipped!"], system: erp, terminal: true }
transitions:
  - { from: received, to: check }
  - { from: check, to: shipped }
`);
    const file = fileWith('log.csv', CSV.replace('A-2,Order received', 'A-2,Order lost'));
    const items = await all(logEvents((await import('node:fs')).createReadStream(file), { file, model }));
    expect(items.map((i) => ('event' in i ? i.event.state : i.error))).toEqual([
      'received',
      'check',
      'shipped',
      'activity: "Order lost" is not a state of model "t" (by name, label or alias); add it to a state\'s aliases, or discover the model from this log (orderscope model discover)',
      'received',
    ]);
  });
});

describe('importing into the store', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestPglite();
    await migrate(db);
  });
  afterEach(() => db.close());

  const snapshot = async () => ({
    events: await db.query(`SELECT event_id, order_id, state, occurred_at::text, seq FROM events ORDER BY event_id`),
    stays: await db.query(`SELECT order_id, seq_no, state, duration_seconds FROM stays ORDER BY order_id, seq_no`),
    orders: await db.query(`SELECT order_id, state, event_count FROM orders ORDER BY order_id`),
  });

  it('imports a gzipped XES log; a second import of it changes nothing', async () => {
    const model = loadModel(`name: t
states:
  - { name: order_check, label: Order & check, system: import }
  - { name: done, system: import, terminal: true }
transitions:
  - { from: order_check, to: done }
`);
    const traces = Array.from({ length: 30 }, (_, i) => `<trace><string key="concept:name" value="c ${i}"/>
<event><string key="concept:name" value="Order &amp; check"/><date key="time:timestamp" value="2026-03-29T01:${String(i).padStart(2, '0')}:00+01:00"/></event>
<event><string key="concept:name" value="Done"/><date key="time:timestamp" value="2026-03-29T03:${String(i).padStart(2, '0')}:00+02:00"/></event></trace>`);
    const file = fileWith('log.xes.gz', gzipSync(`<log>${traces.join('\n')}</log>`));
    const progress: number[] = [];
    const run = () => importLog({ file, model, sink: storeSink(db, model, () => NOW), batchSize: 7, onProgress: (read) => progress.push(read) });
    expect(await run()).toEqual({ sent: 60, accepted: 60, rejected: 0, rejectedByReason: {}, examples: [] });
    const once = await snapshot();
    expect(once.events).toHaveLength(60);
    // 01:0i+01:00 to 03:0i+02:00 is an hour across the change to summer time.
    expect(new Set(once.stays.map((s) => s.duration_seconds))).toEqual(new Set([3600]));
    expect(await run()).toEqual({ sent: 60, accepted: 60, rejected: 0, rejectedByReason: {}, examples: [] });
    expect(await snapshot()).toEqual(once);
    expect(progress.length).toBeGreaterThan(1);
  });

  it('keeps the valid events of a batch and names the invalid ones by line', async () => {
    const model = loadModel(`name: t
states:
  - { name: a, system: s }
  - { name: b, system: s, terminal: true }
transitions:
  - { from: a, to: b }
`);
    const file = fileWith('log.csv', 'case,activity,timestamp\n1,a,2026-01-01T00:00:00Z\n1,b,2150-01-01T00:00:00Z\n1,b,2026-01-01T01:00:00Z\n');
    const summary = await importLog({ file, model, sink: storeSink(db, model, () => NOW) });
    expect(summary).toMatchObject({ sent: 3, accepted: 2, rejected: 1, examples: [{ line: 3, error: expect.stringMatching(/^occurred_at: /) }] });
    expect((await snapshot()).stays).toEqual([{ order_id: '1', seq_no: 0, state: 'a', duration_seconds: 3600 }]);
  });
});

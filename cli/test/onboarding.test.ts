import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { seededRandom } from '../../common/test/seeded-random';
import { loadModel, type ProcessModel } from '../../events';
import { buildLatencyReport, createSweeper, migrate, type Db } from '../../tracker';
import { deploymentFiles } from '../deployment-files';
import { observeLog } from '../discover/from-log';
import { proposeModel } from '../discover/propose-model';
import { importLog } from '../import/import-log';
import { storeSink } from '../import/store-sink';
import { openTestPglite } from '../../tracker/test/pglite-template';

/*
 * The issue's "done when": a process brought in from logs of our own making, a CSV and an XES, with
 * spaces and punctuation in activity names, ties in time and offsets either side of a daylight saving
 * change (Europe/Amsterdam, 2026-03-29 01:00 UTC). Its model is discovered, both logs are imported
 * (twice), and the report's per-state figures equal an independent computation here. The wall clock
 * is a year after the logs: nothing may be flagged lost because of it.
 */
const WALL = Date.UTC(2027, 2, 1);
const DST_CHANGE = Date.UTC(2026, 2, 29, 1, 0, 0);

const RECEIVED = 'Order received';
const CHECK = 'T02 Check confirmation of receipt';
const PRICE = 'Price & quote (MES)';
const SHIP = 'Ship/Deliver!';
const CANCEL = 'Cancelled?';
const SYSTEM: Record<string, string> = { [RECEIVED]: 'Web Shop', [CHECK]: 'CRM', [PRICE]: 'MES', [SHIP]: 'MES', [CANCEL]: 'CRM' };

interface RawEvent {
  readonly caseId: string;
  readonly activity: string;
  readonly ms: number;
}

/** Amsterdam's local time with its offset, written here without the code under test. */
function amsterdam(ms: number): string {
  const offsetHours = ms < DST_CHANGE ? 1 : 2;
  const local = new Date(ms + offsetHours * 3_600_000).toISOString().slice(0, 19);
  return `${local}+0${offsetHours}:00`;
}

/** Cases from a seed: most go received -> check (-> back to received and check) -> price -> ship; some are cancelled; some are still open. */
function cases(prefix: string, count: number, seed: number): RawEvent[] {
  const rnd = seededRandom(seed);
  const events: RawEvent[] = [];
  for (let i = 0; i < count; i++) {
    const caseId = `${prefix} ${i}/26`;
    let ms = Date.UTC(2026, 2, 28, 20, 0, 0) + i * 23 * 60_000;
    const step = (activity: string) => {
      events.push({ caseId, activity, ms });
      // A quarter of the steps take no time at all: ties, ordered by the file.
      ms += rnd.chance(0.25) ? 0 : (1 + rnd.int(180)) * 60_000 + rnd.int(60) * 1000;
    };
    step(RECEIVED);
    if (i % 9 === 4) {
      step(CANCEL);
      continue;
    }
    step(CHECK);
    if (rnd.chance(0.2)) {
      step(RECEIVED);
      step(CHECK);
    }
    if (i % 7 === 6) continue;
    step(PRICE);
    if (i % 11 === 10) continue;
    step(SHIP);
  }
  return events;
}

function csvOf(events: readonly RawEvent[]): string {
  const quote = (s: string) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ['case:concept:name,concept:name,time:timestamp,org:resource,system', ...events.map((e) => [e.caseId, e.activity, amsterdam(e.ms), 'Ann', SYSTEM[e.activity]!].map(quote).join(','))].join('\n') + '\n';
}

function xesOf(events: readonly RawEvent[]): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const traces = new Map<string, RawEvent[]>();
  for (const e of events) traces.set(e.caseId, [...(traces.get(e.caseId) ?? []), e]);
  const body = [...traces.entries()].map(
    ([id, list]) =>
      `<trace><string key="concept:name" value="${esc(id)}"/>${list
        .map((e) => `<event><string key="concept:name" value="${esc(e.activity)}"/><date key="time:timestamp" value="${amsterdam(e.ms)}"/><string key="org:group" value="${esc(SYSTEM[e.activity]!)}"/></event>`)
        .join('')}</trace>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1849-2016">\n${body.join('\n')}\n</log>\n`;
}

/** percentile_cont, written again here. */
function percentileCont(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.ceil(at)]! - sorted[lo]!) * (at - lo);
}

/** Per activity, the durations of the stays in the period [from, to): closed ones (ended in it) and, with `open`, the ones still going (started in it, aged until `until`). */
function independentStays(events: readonly RawEvent[], terminal: ReadonlySet<string>, period: { from: number; to: number; until: number }, open: boolean): Map<string, number[]> {
  const byCase = new Map<string, RawEvent[]>();
  events.forEach((e) => byCase.set(e.caseId, [...(byCase.get(e.caseId) ?? []), e]));
  const out = new Map<string, number[]>();
  const add = (activity: string, seconds: number) => out.set(activity, [...(out.get(activity) ?? []), seconds]);
  for (const list of byCase.values()) {
    // File order within a case is time order with ties kept as written (a stable sort).
    const ordered = list.map((e, i) => ({ e, i })).sort((a, b) => a.e.ms - b.e.ms || a.i - b.i).map((x) => x.e);
    const stays: { activity: string; from: number; to: number | null }[] = [];
    for (const e of ordered) {
      const last = stays[stays.length - 1];
      if (last?.activity === e.activity) continue;
      if (last) last.to = e.ms;
      stays.push({ activity: e.activity, from: e.ms, to: null });
    }
    for (const s of stays) {
      if (terminal.has(s.activity)) continue;
      if (s.to !== null && s.to >= period.from && s.to < period.to) add(s.activity, (s.to - s.from) / 1000);
      if (s.to === null && open && s.from >= period.from && s.from < period.to) add(s.activity, (period.until - s.from) / 1000);
    }
  }
  return out;
}

describe('bringing your own process: from log files to a report', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-onboarding-'));
  const csvEvents = cases('Case', 40, 17);
  const xesEvents = cases('XES case', 25, 29);
  const csvFile = path.join(dir, 'orders.csv');
  const xesFile = path.join(dir, 'orders.xes.gz');
  writeFileSync(csvFile, csvOf(csvEvents));
  writeFileSync(xesFile, gzipSync(xesOf(xesEvents)));
  let db: Db;
  let model: ProcessModel;

  beforeAll(async () => {
    db = await openTestPglite();
    await migrate(db);
  });
  afterAll(() => db.close());

  it('discovers the model from the CSV, with the activities as labels', async () => {
    const { observations, skipped } = await observeLog(csvFile, { sourceColumn: 'system' }, new Date(WALL));
    expect(skipped.rejected).toBe(0);
    model = loadModel(proposeModel(observations, 'orders'));
    expect(model.states.map((s) => [s.label, s.system, s.terminal])).toEqual([
      [RECEIVED, 'web_shop', false],
      [CHECK, 'crm', false],
      [PRICE, 'mes', false],
      [SHIP, 'mes', true],
      [CANCEL, 'crm', true],
    ]);
    // Dashboards show the labels.
    const timeInState = deploymentFiles(model, {}).find((f) => f.path.endsWith('time-in-state.json'))!;
    expect(timeInState.content).toContain(`${CHECK} (t02_check_confirmation_of_receipt) (crm)`);
  });

  it('imports both logs; a second import changes nothing; the log breaks no rule of its model', async () => {
    const sink = storeSink(db, model, () => WALL);
    const importBoth = async () => [
      await importLog({ file: csvFile, sourceColumn: 'system', model, sink, batchSize: 17 }),
      await importLog({ file: xesFile, sourceColumn: 'org:group', model, sink, batchSize: 13 }),
    ];
    const snapshot = async () => ({
      events: await db.query(`SELECT event_id, order_id, state, occurred_at, seq FROM events ORDER BY event_id`),
      stays: await db.query(`SELECT order_id, seq_no, state, entered_at, left_at, duration_seconds FROM stays ORDER BY order_id, seq_no`),
      orders: await db.query(`SELECT order_id, state, status, state_since, event_count FROM orders ORDER BY order_id`),
      flags: await db.query(`SELECT order_id, to_status, at FROM status_changes ORDER BY order_id, id`),
    });
    const first = await importBoth();
    // Ties in time are in the data (a quarter of the steps take no time).
    expect(csvEvents.some((e, i) => i > 0 && csvEvents[i - 1]!.caseId === e.caseId && csvEvents[i - 1]!.ms === e.ms)).toBe(true);
    expect(first.map((s) => [s.sent, s.accepted, s.rejected])).toEqual([
      [csvEvents.length, csvEvents.length, 0],
      [xesEvents.length, xesEvents.length, 0],
    ]);
    const once = await snapshot();
    expect(once.events).toHaveLength(csvEvents.length + xesEvents.length);
    await importBoth();
    expect(await snapshot()).toEqual(once);
    expect(await db.query(`SELECT count(*)::int AS n FROM events WHERE violation IS NOT NULL`)).toEqual([{ n: 0 }]);
  });

  it('flags nothing because of the wall clock, a year later', async () => {
    const sweeper = createSweeper({ db, model, intervalMs: 60_000, now: () => WALL });
    const sweep = await sweeper.sweep();
    await sweeper.close();
    const lastEventMs = Math.max(...[...csvEvents, ...xesEvents].map((e) => e.ms));
    const flags = await db.query<{ at_ms: number; backfill: boolean }>(`SELECT extract(epoch FROM at)::float8 * 1000 AS at_ms, backfill FROM status_changes`);
    // History was judged (the discovered limits are the p90 and p99: some stays passed them), in event time only.
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((f) => !f.backfill || f.at_ms > lastEventMs)).toEqual([]);
    expect(sweep.changes.filter((c) => !c.backfill)).toEqual([]);
  });

  it.each([
    ['closed', false],
    ['closed_and_open', true],
  ] as const)('reports per-state counts, percentiles and means equal to an independent computation (%s stays)', async (staysCounted, open) => {
    const from = Date.UTC(2026, 2, 27);
    const to = Date.UTC(2026, 3, 10);
    const report = await buildLatencyReport(db, model, { from: from * 1000, to: to * 1000 }, { now: WALL * 1000, staysCounted, exact: true });
    expect(report.staysCounted).toBe(staysCounted);
    const expected = independentStays([...csvEvents, ...xesEvents], new Set([SHIP, CANCEL]), { from, to, until: to }, open);
    const figures = (stays: number, p50: number | null, p90: number | null, p99: number | null, mean: number | null) =>
      [stays, p50, p90, p99, mean].map((v) => (v === null ? null : Math.round(v * 1e6) / 1e6));
    const actual = report.states.map((s) => [s.label, ...figures(s.stays, s.p50Seconds, s.p90Seconds, s.p99Seconds, s.meanSeconds)]);
    const independent = [RECEIVED, CHECK, PRICE].map((label) => {
      const d = expected.get(label) ?? [];
      return [label, ...figures(d.length, percentileCont(d, 0.5), percentileCont(d, 0.9), percentileCont(d, 0.99), d.reduce((a, b) => a + b, 0) / d.length)];
    });
    expect(actual).toEqual(independent);
    expect(report.states.reduce((n, s) => n + s.openStays, 0) > 0).toBe(open);
  });
});

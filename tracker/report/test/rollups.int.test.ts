import { migrate, openPostgres, type Db } from '../../store';
import { rollupDrift } from '../../rollups';
import { model, startEmbedded, type EmbeddedTracker } from '../../test/fixtures';
import { createTestDatabase } from '../../test/postgres';
import { parseEventTime } from '../../timeline';
import { buildLatencyReport, parsePeriod, type Period } from '..';
import { expectRollupAgreement } from './agreement';
import { loadWeek, NOW_MS, WEEK } from './week';

const NOW = NOW_MS * 1000;
let t: EmbeddedTracker;
let db: Db;
let drop: () => Promise<void>;

beforeAll(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  db = openPostgres({ url: database.url, poolSize: 2 });
  await migrate(db);
  t = await startEmbedded({ db, now: () => NOW_MS });
  await loadWeek(t);
});

afterAll(async () => {
  await t?.close();
  await drop?.();
});

const both = async (period: Period) =>
  [await buildLatencyReport(db, model, period, { now: NOW }), await buildLatencyReport(db, model, period, { now: NOW, exact: true })] as const;

describe('the latency report from rollups, against the exact one (PostgreSQL)', () => {
  it('keeps the rollups equal to a rebuild, and agrees with the exact report of whole days and of partial ones', async () => {
    expect(await rollupDrift(db)).toEqual([]);
    // placed: c2's 120 s is exactly its SLA, judged missed from its bucket (see rollups.test.ts).
    expectRollupAgreement(...(await both(parsePeriod(WEEK, NOW))), { placed: -1 });
    expectRollupAgreement(...(await both({ from: parseEventTime('2026-11-24T12:00:00Z'), to: parseEventTime('2026-11-28T12:00:00Z') })));
  });
});

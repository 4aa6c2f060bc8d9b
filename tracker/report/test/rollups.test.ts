import { rollupDrift } from '../../rollups';
import { model, orderEvent, startEmbedded, type EmbeddedTracker } from '../../test/fixtures';
import { parseEventTime } from '../../timeline';
import { buildLatencyReport, parsePeriod, renderCsv, renderHtml, renderJson, type LatencyReport, type Period } from '..';
import { expectRollupAgreement } from './agreement';
import { loadWeek, NOW_MS, WEEK } from './week';

const NOW = NOW_MS * 1000;
let t: EmbeddedTracker;

beforeAll(async () => {
  t = await startEmbedded({ now: () => NOW_MS });
  await loadWeek(t);
});

afterAll(async () => {
  await t?.close();
});

const both = async (period: Period): Promise<[LatencyReport, LatencyReport]> => [
  await buildLatencyReport(t.db, model, period, { now: NOW }),
  await buildLatencyReport(t.db, model, period, { now: NOW, exact: true }),
];

describe('the latency report from rollups, against the exact one (PGlite)', () => {
  it('reads the rollups by default and agrees with the exact report of the known week', async () => {
    const [rollup, exact] = await both(parsePeriod(WEEK, NOW));
    // placed: c2 stayed 120 s, exactly its SLA. Its bucket (119.1 s to 121.5 s) straddles the SLA and
    // stands for 120.3 s: counted as missed, the error the report states (within 2 % of the SLA).
    expectRollupAgreement(rollup, exact, { placed: -1 });
    expect(rollup.states.find((s) => s.state === 'placed')).toMatchObject({ stays: 7, withinSla: 2, missedSla: 5 });
    // placed p50 is c3's 180 s, read back as its bucket's value, 179.49 s.
    expect(rollup.states.find((s) => s.state === 'placed')!.p50Seconds).toBeCloseTo(179.49, 2);
    // The mean is exact: sums are kept to the microsecond.
    expect(rollup.states.find((s) => s.state === 'placed')!.meanSeconds).toBeCloseTo((60 + 60 + 120 + 180 + 240 + 600 + 7200) / 7, 9);
    // x1's 600 s lead time sits on the histogram's 10m bound; its bucket stands for 595.9 s: one bar down.
    expect(rollup.leadTime.histogram.find((b) => b.endedOtherwise > 0)).toEqual({ fromSeconds: 300, toSeconds: 600, completed: 0, endedOtherwise: 1 });
    expect(exact.leadTime.histogram.find((b) => b.endedOtherwise > 0)).toEqual({ fromSeconds: 600, toSeconds: 900, completed: 0, endedOtherwise: 1 });
  });

  it('takes the partial days at both edges of a period from the raw rows', async () => {
    // Tuesday noon to Saturday noon: whole days Wednesday to Friday, raw Tuesday and Saturday afternoons.
    const period = { from: parseEventTime('2026-11-24T12:00:00Z'), to: parseEventTime('2026-11-28T12:00:00Z') };
    const [rollup, exact] = await both(period);
    expectRollupAgreement(rollup, exact);
    expect(rollup.days.map((d) => d.day)).toEqual(['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28']);
    // Up to now, Monday 30 noon: the orders still in flight (f1, f2, s1) started on its partial day.
    // Raw rows are bucketed alike: s1's 120 s in placed, on that day, is on the SLA as c2's was.
    const tail = { from: parseEventTime('2026-11-26T06:00:00Z'), to: parseEventTime('2026-11-30T12:00:00Z') };
    expectRollupAgreement(...(await both(tail)), { placed: -1 });
  });

  it('computes a period without a whole UTC day exactly, and says so', async () => {
    const [rollup, exact] = await both({ from: parseEventTime('2026-11-26T01:00:00Z'), to: parseEventTime('2026-11-26T23:00:00Z') });
    expect([rollup.method, rollup.relativeError]).toEqual(['exact', 0]);
    expect(rollup).toEqual(exact);
  });

  it('states its method and error bound in JSON, CSV and HTML', async () => {
    const [rollup] = await both(parsePeriod(WEEK, NOW));
    expect(JSON.parse(renderJson(rollup))).toMatchObject({ method: 'rollup', relative_error: 0.01 });
    expect(JSON.parse(renderJson(rollup, 'day'))).toMatchObject({ method: 'rollup', relative_error: 0.01 });
    expect(renderCsv(rollup, 'state').split('\r\n')[1]).toMatch(/,rollup,0\.01$/);
    expect(renderHtml(rollup)).toContain('Whole days are read from daily rollups (method: rollup): counts and means are exact, percentiles within 1% of the exact ones');
  });

  it('follows a late event that rewrites stays: retracted and added again in the rollups, which equal a rebuild', async () => {
    // late2: placed Wednesday 10:00, priced 10:30; then the quote request of 10:10 arrives, which
    // splits placed (30 min) into placed (10 min) and quote_requested (20 min).
    await t.bus.publish([orderEvent('late2', 'placed', '2026-11-25T10:00:00Z', { attributes: { segment: 'b2b' } }), orderEvent('late2', 'pricing', '2026-11-25T10:30:00Z')]);
    await t.bus.publish([orderEvent('late2', 'quote_requested', '2026-11-25T10:10:00Z', { attributes: { operator_id: 'op-z' } })]);
    expect(await rollupDrift(t.db)).toEqual([]);
    const [rollup, exact] = await both(parsePeriod(WEEK, NOW));
    expectRollupAgreement(rollup, exact, { placed: -1 });
    expect(rollup.states.find((s) => s.state === 'placed')).toMatchObject({ stays: 8, withinSla: 2, missedSla: 6 });
    expect(rollup.states.find((s) => s.state === 'quote_requested')).toMatchObject({ stays: 7, openStays: 1 });
  });
});

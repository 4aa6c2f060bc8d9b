import { model, orderEvent, startEmbedded, type EmbeddedTracker } from '../../test/fixtures';
import { parseEventTime } from '../../timeline';
import { buildLatencyReport, parsePeriod, renderCsv, renderHtml, renderJson, parseReportJson, type LatencyReport } from '..';
import { loadWeek, NOW_MS, WEEK } from './week';

const NOW = NOW_MS * 1000;
let t: EmbeddedTracker;
let report: LatencyReport;

beforeAll(async () => {
  t = await startEmbedded({ now: () => NOW_MS });
  await loadWeek(t);
  // exact: every expectation below is percentile_cont worked out by hand (rollups.test.ts compares the two).
  report = await buildLatencyReport(t.db, model, parsePeriod(WEEK, NOW), { now: NOW, exact: true });
});

afterAll(async () => {
  await t?.close();
});

/**
 * percentile_cont(p) of n sorted values: the value at position p * (n - 1), interpolated linearly
 * between its two neighbours. Every expectation below is that rule applied by hand to the week of
 * week.ts; the comments show the values and the positions.
 */
describe('the latency report of a known week (PGlite)', () => {
  it('covers the week Monday to Sunday and ages open stays until its end', () => {
    expect(report.period).toEqual({ from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' });
    expect(report.measuredUntil).toBe('2026-11-30T00:00:00.000Z');
    expect(report.empty).toBe(false);
    expect(report.states.map((s) => s.state)).toEqual(['placed', 'quote_requested', 'pricing', 'quoted', 'assigned', 'confirmed', 'in_production', 'produced']);
  });

  it('gives exact percentiles of time in placed, including the stay that began before the period', () => {
    // placed: 60 (c1), 60 (w1), 120 (c2), 180 (c3), 240 (c4), 600 (x1), 7200 (e1, entered Sunday, left Monday)
    const placed = report.states.find((s) => s.state === 'placed')!;
    expect(placed).toMatchObject({ system: 'shop', slaSeconds: 120, stays: 7, openStays: 0, withinSla: 3, missedSla: 4, stuck: 0, lost: 0 });
    expect(placed.p50Seconds).toBe(180); // position 3
    expect(placed.p90Seconds).toBeCloseTo(600 + 0.4 * 6600, 9); // position 5.4 = 3240
    expect(placed.p99Seconds).toBeCloseTo(600 + 0.94 * 6600, 9); // position 5.94 = 6804
    expect(placed.withinSlaShare).toBeCloseTo(3 / 7, 12);
  });

  it('counts a stay still open with its age at the end of the period, and judges it only once past its SLA', () => {
    // quote_requested: 100 x5 (closed), e1 open since Mon 01:00: 6d23h = 601200 s
    const qr = report.states.find((s) => s.state === 'quote_requested')!;
    expect(qr).toMatchObject({ stays: 6, openStays: 1, withinSla: 5, missedSla: 1, stuck: 1, lost: 1 });
    expect(qr.p50Seconds).toBe(100);
    expect(qr.p90Seconds).toBeCloseTo(100 + 0.5 * 601_100, 9); // position 4.5
    // assigned: 1800 (c3), 3600 (c1), 7200 (c2), 36000 (c4), 258540 (w1 open since Fri 00:11)
    const assigned = report.states.find((s) => s.state === 'assigned')!;
    expect(assigned).toMatchObject({ slaSeconds: 28_800, stays: 5, openStays: 1, withinSla: 3, missedSla: 2, stuck: 2, lost: 0, p50Seconds: 7200 });
    expect(assigned.p90Seconds).toBeCloseTo(36_000 + 0.6 * 222_540, 9); // position 3.6
    expect(assigned.p99Seconds).toBeCloseTo(36_000 + 0.96 * 222_540, 9); // position 3.96
    expect(report.states.find((s) => s.state === 'produced')).toMatchObject({ stays: 4, p50Seconds: 3600, withinSlaShare: 1 });
  });

  it('gives the lead time of completed orders, cancelled ones apart, and a histogram of both', () => {
    // shipped: 93180 (c3), 94860 (c1), 98520 (c2), 127440 (c4); cancelled: 600 (x1)
    expect(report.leadTime.completedState).toBe('shipped');
    const [shipped, cancelled] = report.leadTime.byEnd;
    expect(shipped).toMatchObject({ endState: 'shipped', completed: true, orders: 4, p50Seconds: 96_690 });
    expect(shipped!.p90Seconds).toBeCloseTo(98_520 + 0.7 * 28_920, 9); // position 2.7
    expect(shipped!.p99Seconds).toBeCloseTo(98_520 + 0.97 * 28_920, 9); // position 2.97
    expect(cancelled).toEqual({ endState: 'cancelled', completed: false, orders: 1, p50Seconds: 600, p90Seconds: 600, p99Seconds: 600 });
    expect(report.summary).toMatchObject({ ordersCompleted: 4, ordersEndedOtherwise: 1, leadTimeP50Seconds: 96_690, ordersStuck: 3, ordersLost: 1 });
    // 600 s falls in [10m, 15m), the four shipped in [1d, 1d12h); one empty bin is kept on each side.
    const bins = report.leadTime.histogram;
    expect(bins[0]).toEqual({ fromSeconds: 300, toSeconds: 600, completed: 0, endedOtherwise: 0 });
    expect(bins[1]).toEqual({ fromSeconds: 600, toSeconds: 900, completed: 0, endedOtherwise: 1 });
    expect(bins[bins.length - 2]).toEqual({ fromSeconds: 86_400, toSeconds: 129_600, completed: 4, endedOtherwise: 0 });
    expect(bins[bins.length - 1]).toEqual({ fromSeconds: 129_600, toSeconds: 172_800, completed: 0, endedOtherwise: 0 });
    expect(bins.reduce((n, b) => n + b.completed + b.endedOtherwise, 0)).toBe(5);
  });

  it('lists the slowest finished orders with the state each spent most time in', () => {
    expect(report.slowest.map((o) => [o.orderId, o.leadTimeSeconds, o.longestState, o.longestStateSeconds])).toEqual([
      ['c4', 127_440, 'in_production', 86_400],
      ['c2', 98_520, 'in_production', 86_400],
      ['c1', 94_860, 'in_production', 86_400],
      ['c3', 93_180, 'in_production', 86_400],
      ['x1', 600, 'placed', 600],
    ]);
    expect(report.slowest[0]).toMatchObject({ endState: 'shipped', segment: 'b2c', operatorId: 'op-b', startedAt: '2026-11-25T12:00:00.000Z', finishedAt: '2026-11-26T23:24:00.000Z' });
  });

  it('lists the orders lost in the period with where and why, not those lost before it', () => {
    expect(report.lost).toEqual({
      total: 1,
      orders: [
        {
          orderId: 'e1',
          state: 'quote_requested',
          system: 'shop',
          reason: 'handoff_missed',
          handoffTo: 'pricing',
          handoffVia: 'RabbitMQ queue mes.pricing (shop -> MES)',
          lostAfterSeconds: 1800,
          lostAt: '2026-11-23T01:05:02.000Z',
          segment: 'b2c',
          operatorId: null,
          statusNow: 'lost',
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        },
      ],
    });
  });

  it('compares segments by lead time and flags', () => {
    expect(report.segments).toEqual([
      // b2b shipped: 94860, 98520
      { segment: 'b2b', ordersCompleted: 2, ordersEndedOtherwise: 0, leadTimeP50Seconds: 96_690, leadTimeP90Seconds: expect.closeTo(94_860 + 0.9 * 3660, 9), leadTimeP99Seconds: expect.closeTo(94_860 + 0.99 * 3660, 9), stuck: 1, lost: 0 },
      // b2c shipped: 93180, 127440; x1 cancelled
      { segment: 'b2c', ordersCompleted: 2, ordersEndedOtherwise: 1, leadTimeP50Seconds: 110_310, leadTimeP90Seconds: expect.closeTo(93_180 + 0.9 * 34_260, 9), leadTimeP99Seconds: expect.closeTo(93_180 + 0.99 * 34_260, 9), stuck: 2, lost: 1 },
    ]);
  });

  it('shows each operator\'s share of the orders and time to confirm (time in assigned)', () => {
    expect(report.operators.confirmationState).toBe('assigned');
    expect(report.operators.slaSeconds).toBe(28_800);
    expect(report.operators.rows).toEqual([
      // op-a: 3600, 7200, 258540 (w1, open)
      { operatorId: 'op-a', orders: 3, shareOfOrders: 0.6, timeToConfirmP50Seconds: 7200, timeToConfirmP90Seconds: expect.closeTo(7200 + 0.8 * 251_340, 9), withinSlaShare: 2 / 3 },
      // op-b: 1800, 36000
      { operatorId: 'op-b', orders: 2, shareOfOrders: 0.4, timeToConfirmP50Seconds: 18_900, timeToConfirmP90Seconds: expect.closeTo(1800 + 0.9 * 34_200, 9), withinSlaShare: 0.5 },
    ]);
  });

  it('gives every day of the week, also the days nothing finished', () => {
    expect(report.days.map((d) => [d.day, d.ordersCompleted, d.ordersEndedOtherwise, d.leadTimeP50Seconds])).toEqual([
      ['2026-11-23', 0, 0, null],
      ['2026-11-24', 1, 0, 94_860],
      ['2026-11-25', 1, 0, 98_520],
      ['2026-11-26', 2, 1, 110_310],
      ['2026-11-27', 0, 0, null],
      ['2026-11-28', 0, 0, null],
      ['2026-11-29', 0, 0, null],
    ]);
  });

  it('round-trips through its JSON, snake_case on the wire', () => {
    const json = renderJson(report);
    expect(json).toContain('"lead_time_p50_seconds": 96690');
    expect(json).toContain('"within_sla_share"');
    expect(parseReportJson(json)).toEqual(report);
  });

  describe('a period in which nothing happened', () => {
    let empty: LatencyReport;
    beforeAll(async () => {
      empty = await buildLatencyReport(t.db, model, parsePeriod({ from: '2026-12-07', to: '2026-12-13' }, NOW), { now: NOW });
    });

    it('says it is empty instead of failing', () => {
      expect(empty.empty).toBe(true);
      expect(empty.summary).toEqual({
        ordersCompleted: 0,
        ordersEndedOtherwise: 0,
        leadTimeP50Seconds: null,
        leadTimeP90Seconds: null,
        staysJudged: 0,
        staysWithinSla: 0,
        withinSlaShare: null,
        ordersStuck: 0,
        ordersLost: 0,
      });
      expect(empty.states.every((s) => s.stays === 0 && s.p50Seconds === null)).toBe(true);
      expect(empty.leadTime.histogram).toEqual([]);
      expect(empty.days).toHaveLength(7);
    });

    it('renders in every format', () => {
      expect(renderHtml(empty, { linkBase: '' })).toContain('Nothing happened in this period.');
      expect(renderCsv(empty, 'operator')).toBe('operator_id,orders,share_of_orders,time_to_confirm_p50_seconds,time_to_confirm_p90_seconds,within_sla_share,method,relative_error\r\n');
      expect(JSON.parse(renderJson(empty, 'segment')).rows).toEqual([]);
    });
  });

  it('reports a state the model does not know, which the data holds all the same', async () => {
    await t.bus.publish([
      orderEvent('u1', 'placed', '2026-10-06T10:00:00Z'),
      orderEvent('u1', 'waiting_for_payment', '2026-10-06T10:01:00Z', { source: 'shop' }),
      orderEvent('u1', 'quote_requested', '2026-10-06T10:31:00Z'),
    ]);
    const october = await buildLatencyReport(t.db, model, parsePeriod({ from: '2026-10-05', to: '2026-10-11' }, NOW), { now: NOW, exact: true });
    expect(october.states.map((s) => s.state)).toEqual([...model.openStates().map((s) => s.name), 'waiting_for_payment']);
    expect(october.states.find((s) => s.state === 'waiting_for_payment')).toMatchObject({ system: null, slaSeconds: null, stays: 1, p50Seconds: 1800, withinSlaShare: null });
  });

  it('ages open stays until now when the period is not over yet', async () => {
    const now = parseEventTime('2026-11-27T06:10:00Z');
    const live = await buildLatencyReport(t.db, model, parsePeriod({ from: '2026-11-27' }, now), { now });
    expect(live.measuredUntil).toBe('2026-11-27T06:10:00.000Z');
    // w1 entered assigned at 00:11: 5h59m so far, within its 8 h SLA, so not judged yet.
    expect(live.states.find((s) => s.state === 'assigned')).toMatchObject({ stays: 1, openStays: 1, p50Seconds: 21_540, withinSla: 0, missedSla: 0, withinSlaShare: null });
  });
});

import { checkChaosRun, formatSummary, isClean, type CheckInput } from './checker';
import { describeFault, planFaults } from './fault-schedule';
import { JOURNEY, planWorkload } from './workload';

const T = Date.UTC(2026, 0, 5, 8, 0, 0);
const s = (n: number) => T + n * 1000;

/** Order A went placed -> confirmed -> shipped; B is stalled in placed. */
function cleanRun(): CheckInput {
  return {
    emitted: [
      { orderId: 'A', state: 'placed', occurredAtMs: s(0) },
      { orderId: 'A', state: 'confirmed', occurredAtMs: s(2) },
      { orderId: 'A', state: 'shipped', occurredAtMs: s(7) },
      { orderId: 'B', state: 'placed', occurredAtMs: s(-7200) },
    ],
    events: [
      { orderId: 'A', state: 'placed', occurredAtMs: s(0), violation: null },
      { orderId: 'A', state: 'confirmed', occurredAtMs: s(2), violation: null },
      { orderId: 'A', state: 'shipped', occurredAtMs: s(7), violation: null },
      { orderId: 'B', state: 'placed', occurredAtMs: s(-7200), violation: null },
    ],
    stays: [
      { orderId: 'A', seqNo: 1, state: 'confirmed', enteredAtMs: s(2), leftAtMs: s(7), durationSeconds: 5 },
      { orderId: 'A', seqNo: 0, state: 'placed', enteredAtMs: s(0), leftAtMs: s(2), durationSeconds: 2 },
    ],
    orders: [
      { orderId: 'A', state: 'shipped', stateSinceMs: s(7), firstEventAtMs: s(0), status: 'done' },
      { orderId: 'B', state: 'placed', stateSinceMs: s(-7200), firstEventAtMs: s(-7200), status: 'lost' },
    ],
    stateDuration: {
      bounds: [1, 5, 60],
      // Two instances' rows: one observed the placed stay, the other the confirmed one, observed
      // twice and retracted once (a late event), net 1.
      rows: [
        { state: 'placed', le: 5, count: 1, sum: 2 },
        { state: 'confirmed', le: 5, count: 1, sum: 5 },
      ],
    },
    leadTime: { bounds: [10, 100], rows: [{ state: 'shipped', le: 10, count: 1, sum: 7 }] },
    terminal: 'shipped',
    stalled: new Set(['B']),
    flaggedLost: new Set(['B']),
  };
}

describe('the chaos checker', () => {
  it('finds nothing wrong in a run that stored exactly what was emitted', () => {
    const summary = checkChaosRun(cleanRun());
    expect(summary).toEqual({
      emitted: 4,
      applied: 4,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      violations: 0,
      ordersWithOtherStays: 0,
      histogramBucketsDiffering: 0,
      ordersWithOtherStatus: 0,
      falselyLost: 0,
      missedLost: 0,
      examples: [],
    });
    expect(isClean(summary)).toBe(true);
    expect(formatSummary(summary)).toBe(
      [
        'emitted 4, applied 4, lost 0, duplicated 0, unexpected 0',
        'conformance violations: 0',
        'stays equal to the fault-free run: yes',
        "histograms equal to the fault-free run's stays: yes",
        'final statuses as the timelines give: yes',
        'orders flagged lost that were not: 0; lost orders never flagged: 0',
      ].join('\n'),
    );
  });

  it('counts a lost, a duplicated and an unexpected event, and the stays they change', () => {
    const run = cleanRun();
    const summary = checkChaosRun({
      ...run,
      events: [
        ...run.events.filter((e) => !(e.orderId === 'A' && e.state === 'confirmed')),
        { orderId: 'B', state: 'placed', occurredAtMs: s(-7200), violation: null },
        { orderId: 'C', state: 'placed', occurredAtMs: s(1), violation: 'unknown_state' },
      ],
      stays: [{ orderId: 'A', seqNo: 0, state: 'placed', enteredAtMs: s(0), leftAtMs: s(7), durationSeconds: 7 }],
    });
    expect(summary).toMatchObject({ emitted: 4, applied: 3, lost: 1, duplicated: 1, unexpected: 1, violations: 1, ordersWithOtherStays: 1 });
    expect(summary.examples).toContain('lost: A confirmed emitted at 2026-01-05T08:00:02.000Z');
    expect(summary.examples).toContain('duplicated ×2: B placed');
    expect(summary.examples).toContain('unexpected: C placed');
    expect(isClean(summary)).toBe(false);
  });

  it('finds a histogram bucket that counts a stay twice, or misses one', () => {
    const run = cleanRun();
    const summary = checkChaosRun({
      ...run,
      stateDuration: { bounds: run.stateDuration.bounds, rows: [{ state: 'placed', le: 5, count: 2, sum: 4 }] },
    });
    expect(summary.histogramBucketsDiffering).toBe(4);
    expect(summary.examples).toEqual([
      'time in state histogram, placed le=5: stored 2, stays 1',
      'time in state histogram, confirmed le=5: stored 0, stays 1',
      'time in state histogram, placed: stored sum 4 s, stays 2 s',
      'time in state histogram, confirmed: stored sum 0 s, stays 5 s',
    ]);
  });

  it('judges the histograms by the emitted timeline, not by the stored stays: a wrong stored duration shows', () => {
    const run = cleanRun();
    const summary = checkChaosRun({
      ...run,
      stays: run.stays.map((s) => (s.state === 'placed' ? { ...s, durationSeconds: 20 } : s)),
      stateDuration: { bounds: run.stateDuration.bounds, rows: [{ state: 'placed', le: 60, count: 1, sum: 20 }, { state: 'confirmed', le: 5, count: 1, sum: 5 }] },
    });
    expect(summary.histogramBucketsDiffering).toBe(3);
  });

  it('refuses totals stored under a bound the histogram does not have, even when they would land in the right bucket', () => {
    const run = cleanRun();
    const summary = checkChaosRun({
      ...run,
      stateDuration: { bounds: run.stateDuration.bounds, rows: [{ state: 'placed', le: 4, count: 1, sum: 2 }, { state: 'confirmed', le: 5, count: 1, sum: 5 }] },
    });
    expect(summary.histogramBucketsDiffering).toBe(1);
    expect(summary.examples).toEqual(['time in state histogram, placed: 1 stored under le=4, which is no bound of the histogram']);
  });

  it('puts a stay exactly on a bound in that bound\'s bucket, and one past the last bound in +Inf', () => {
    const run = cleanRun();
    const x = [
      { orderId: 'X', state: 'placed', occurredAtMs: s(0) },
      { orderId: 'X', state: 'confirmed', occurredAtMs: s(61) },
      { orderId: 'X', state: 'shipped', occurredAtMs: s(66) },
    ];
    const summary = checkChaosRun({
      ...run,
      emitted: [...run.emitted, ...x],
      events: [...run.events, ...x.map((e) => ({ ...e, violation: null }))],
      stays: [
        ...run.stays,
        { orderId: 'X', seqNo: 0, state: 'placed', enteredAtMs: s(0), leftAtMs: s(61), durationSeconds: 61 },
        { orderId: 'X', seqNo: 1, state: 'confirmed', enteredAtMs: s(61), leftAtMs: s(66), durationSeconds: 5 },
      ],
      orders: [...run.orders, { orderId: 'X', state: 'shipped', stateSinceMs: s(66), firstEventAtMs: s(0), status: 'done' }],
      stateDuration: {
        bounds: run.stateDuration.bounds,
        rows: [...run.stateDuration.rows, { state: 'placed', le: Infinity, count: 1, sum: 61 }, { state: 'confirmed', le: 5, count: 1, sum: 5 }],
      },
      leadTime: { bounds: run.leadTime.bounds, rows: [...run.leadTime.rows, { state: 'shipped', le: 100, count: 1, sum: 66 }] },
    });
    expect(summary.examples).toEqual([]);
  });

  it('counts an order whose final status is not what its timeline gives', () => {
    const run = cleanRun();
    const summary = checkChaosRun({ ...run, orders: run.orders.map((o) => (o.orderId === 'A' ? { ...o, status: 'stuck' } : o)) });
    expect(summary.ordersWithOtherStatus).toBe(1);
    expect(summary.examples).toEqual(['status of A: stuck, its timeline gives done']);
  });

  it('counts an order flagged lost that was moving, and a stalled one never flagged', () => {
    const summary = checkChaosRun({ ...cleanRun(), flaggedLost: new Set(['A']) });
    expect([summary.falselyLost, summary.missedLost]).toEqual([1, 1]);
  });
});

describe('the chaos plans', () => {
  it('replays exactly from a seed: five events per order that ships, one per order placed long ago, four per order put on hold', () => {
    const a = planWorkload({ seed: 7, orders: 1000, windowMs: 60_000, stalledShare: 0.02 });
    expect(planWorkload({ seed: 7, orders: 1000, windowMs: 60_000, stalledShare: 0.02 })).toEqual(a);
    const count = (stall: string | undefined) => a.orders.filter((o) => o.stall === stall).length;
    expect(count('placed-long-ago')).toBeGreaterThan(0);
    expect(count('on-hold')).toBeGreaterThan(0);
    expect(a.events).toBe(count('placed-long-ago') + 4 * count('on-hold') + JOURNEY.length * count(undefined));
    expect(new Set(a.orders.map((o) => o.orderId)).size).toBe(1000);
    for (const o of a.orders) expect(o.gapsMs).toHaveLength(o.steps.length - 1);
    expect(a.orders.find((o) => o.stall === 'on-hold')!.steps.map((s) => s.state)).toEqual(['placed', 'confirmed', 'released', 'on_hold']);
  });

  it('schedules every kind of fault once, in time order, adding a tracker before removing one', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const faults = planFaults({ seed, windowMs: 100_000, outageMs: 60_000, trackers: 3, collectors: 2 });
      expect(faults.map((f) => f.fault.kind).sort()).toEqual(
        ['add-tracker', 'collector-outage', 'kill-collector', 'kill-outbox', 'kill-sdk-host', 'kill-tap', 'kill-tracker', 'remove-tracker', 'restart-kafka', 'restart-postgres', 'slow-network'],
      );
      expect(faults.map((f) => f.atMs)).toEqual([...faults.map((f) => f.atMs)].sort((x, y) => x - y));
      const kinds = faults.map((f) => f.fault.kind);
      expect(kinds.indexOf('add-tracker')).toBeLessThan(kinds.indexOf('remove-tracker'));
      expect(faults.find((f) => f.fault.kind === 'collector-outage')!.fault).toEqual({ kind: 'collector-outage', downMs: 60_000 });
    }
    expect(describeFault({ kind: 'kill-tracker', replica: 1, downMs: 2500 })).toBe('SIGKILL tracker 2, restarted after 2500 ms');
  });
});

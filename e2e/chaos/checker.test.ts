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
        { state: 'placed', le: 5, count: 1 },
        { state: 'confirmed', le: 5, count: 1 },
      ],
    },
    leadTime: { bounds: [10, 100], rows: [{ state: 'shipped', le: 10, count: 1 }] },
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
        'histogram equal to stored stays: yes',
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
      stateDuration: { bounds: run.stateDuration.bounds, rows: [{ state: 'placed', le: 5, count: 2 }] },
    });
    expect(summary.histogramBucketsDiffering).toBe(2);
    expect(summary.examples).toEqual([
      'time in state histogram, confirmed le=5: stored 0, stays 1',
      'time in state histogram, placed le=5: stored 2, stays 1',
    ]);
  });

  it('puts a stay exactly on a bound in that bound\'s bucket, and one past the last bound in +Inf', () => {
    const run = cleanRun();
    const summary = checkChaosRun({
      ...run,
      stays: [...run.stays, { orderId: 'X', seqNo: 0, state: 'placed', enteredAtMs: 0, leftAtMs: 61_000, durationSeconds: 61 }],
      stateDuration: { bounds: run.stateDuration.bounds, rows: [...run.stateDuration.rows, { state: 'placed', le: Infinity, count: 1 }] },
    });
    expect(summary.histogramBucketsDiffering).toBe(0);
  });

  it('counts an order flagged lost that was moving, and a stalled one never flagged', () => {
    const summary = checkChaosRun({ ...cleanRun(), flaggedLost: new Set(['A']) });
    expect([summary.falselyLost, summary.missedLost]).toEqual([1, 1]);
  });
});

describe('the chaos plans', () => {
  it('replays exactly from a seed, with five events per moving order and one per stalled order', () => {
    const a = planWorkload({ seed: 7, orders: 1000, windowMs: 60_000, stalledShare: 0.01 });
    expect(planWorkload({ seed: 7, orders: 1000, windowMs: 60_000, stalledShare: 0.01 })).toEqual(a);
    const stalled = a.orders.filter((o) => o.stalled).length;
    expect(stalled).toBeGreaterThan(0);
    expect(a.events).toBe(stalled + (1000 - stalled) * JOURNEY.length);
    expect(new Set(a.orders.map((o) => o.orderId)).size).toBe(1000);
    for (const o of a.orders) expect(o.gapsMs).toHaveLength(o.stalled ? 0 : JOURNEY.length - 1);
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

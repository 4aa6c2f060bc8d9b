import type { LatencyReport } from '..';

/**
 * Asserts what the rollup method promises against the exact report of the same period: the same
 * rows, every count and share of orders equal, means equal to the microsecond, each percentile within
 * the rollup report's relative error of the exact one; SLA verdicts and lead-time bins the same in
 * total (which side of a bound a duration near it falls on is the test's to say: `withinSlaDifference`
 * per state, rollup minus exact).
 */
export function expectRollupAgreement(rollup: LatencyReport, exact: LatencyReport, withinSlaDifference: Readonly<Record<string, number>> = {}): void {
  expect([rollup.method, rollup.relativeError, exact.method, exact.relativeError]).toEqual(['rollup', 0.01, 'exact', 0]);
  const close = (a: number | null, b: number | null) => {
    if (a === null || b === null) expect(a).toBe(b);
    else expect(Math.abs(a - b)).toBeLessThanOrEqual(rollup.relativeError * Math.abs(b) + 1e-9);
  };
  const mean = (a: number | null, b: number | null) => (a === null || b === null ? expect(a).toBe(b) : expect(a).toBeCloseTo(b, 6));

  expect(rollup.states.map((s) => s.state)).toEqual(exact.states.map((s) => s.state));
  for (const [i, r] of rollup.states.entries()) {
    const e = exact.states[i]!;
    expect([r.state, r.stays, r.openStays, r.withinSla + r.missedSla, r.withinSla - e.withinSla, r.stuck, r.lost]).toEqual([
      e.state,
      e.stays,
      e.openStays,
      e.withinSla + e.missedSla,
      withinSlaDifference[e.state] ?? 0,
      e.stuck,
      e.lost,
    ]);
    close(r.p50Seconds, e.p50Seconds);
    close(r.p90Seconds, e.p90Seconds);
    close(r.p99Seconds, e.p99Seconds);
    mean(r.meanSeconds, e.meanSeconds);
  }

  const { summary: rs } = rollup;
  const { summary: es } = exact;
  expect([rs.ordersCompleted, rs.ordersEndedOtherwise, rs.staysJudged, rs.ordersStuck, rs.ordersLost]).toEqual([es.ordersCompleted, es.ordersEndedOtherwise, es.staysJudged, es.ordersStuck, es.ordersLost]);
  close(rs.leadTimeP50Seconds, es.leadTimeP50Seconds);
  close(rs.leadTimeP90Seconds, es.leadTimeP90Seconds);

  expect(rollup.leadTime.byEnd.map((b) => [b.endState, b.orders])).toEqual(exact.leadTime.byEnd.map((b) => [b.endState, b.orders]));
  for (const [i, r] of rollup.leadTime.byEnd.entries()) {
    const e = exact.leadTime.byEnd[i]!;
    close(r.p50Seconds, e.p50Seconds);
    close(r.p90Seconds, e.p90Seconds);
    close(r.p99Seconds, e.p99Seconds);
  }
  const binned = (r: LatencyReport) => r.leadTime.histogram.reduce((n, b) => n + b.completed + b.endedOtherwise, 0);
  expect(binned(rollup)).toBe(binned(exact));

  expect(rollup.segments.map((s) => [s.segment, s.ordersCompleted, s.ordersEndedOtherwise, s.stuck, s.lost])).toEqual(
    exact.segments.map((s) => [s.segment, s.ordersCompleted, s.ordersEndedOtherwise, s.stuck, s.lost]),
  );
  for (const [i, r] of rollup.segments.entries()) {
    const e = exact.segments[i]!;
    close(r.leadTimeP50Seconds, e.leadTimeP50Seconds);
    close(r.leadTimeP90Seconds, e.leadTimeP90Seconds);
    close(r.leadTimeP99Seconds, e.leadTimeP99Seconds);
  }
  expect(rollup.days.map((d) => [d.day, d.ordersCompleted, d.ordersEndedOtherwise])).toEqual(exact.days.map((d) => [d.day, d.ordersCompleted, d.ordersEndedOtherwise]));
  for (const [i, r] of rollup.days.entries()) {
    close(r.leadTimeP50Seconds, exact.days[i]!.leadTimeP50Seconds);
    close(r.leadTimeP90Seconds, exact.days[i]!.leadTimeP90Seconds);
  }
  expect(rollup.operators.rows.map((o) => [o.operatorId, o.orders, o.shareOfOrders])).toEqual(exact.operators.rows.map((o) => [o.operatorId, o.orders, o.shareOfOrders]));
  for (const [i, r] of rollup.operators.rows.entries()) {
    close(r.timeToConfirmP50Seconds, exact.operators.rows[i]!.timeToConfirmP50Seconds);
    close(r.timeToConfirmP90Seconds, exact.operators.rows[i]!.timeToConfirmP90Seconds);
  }
  // Lists of orders are read from their tables either way.
  expect([rollup.slowest, rollup.lost]).toEqual([exact.slowest, exact.lost]);
}

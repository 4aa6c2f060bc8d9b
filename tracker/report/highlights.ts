import { formatCount, formatShare, roughDuration } from '../html';
import type { LatencyReport } from './types';

/** How far above an even share an operator must be before the report calls it out. */
const UNFAIR_FACTOR = 1.5;

/**
 * The report in a few sentences, for the top of the HTML page: what was completed and how fast, the
 * state that misses its SLA most, where orders got lost, whether one operator takes most orders, and
 * B2B against B2C. Only sentences with something to say are returned.
 */
export function highlights(report: LatencyReport): string[] {
  const out: string[] = [];
  const s = report.summary;
  const done = report.leadTime.completedState ?? 'completed';
  if (s.ordersCompleted === 0) out.push(`No order was completed (${done}) in this period.`);
  else {
    out.push(
      `${formatCount(s.ordersCompleted)} ${plural(s.ordersCompleted, 'order')} completed (${done}): half of them within ${roughDuration(s.leadTimeP50Seconds)} of the first event, 9 in 10 within ${roughDuration(s.leadTimeP90Seconds)}.`,
    );
  }

  const worst = report.states
    .filter((st) => st.withinSlaShare !== null && st.withinSlaShare < 1)
    .sort((a, b) => a.withinSlaShare! - b.withinSlaShare! || b.missedSla - a.missedSla)[0];
  if (worst) {
    out.push(
      `Most SLA misses in ${worst.state}${worst.system ? ` (${worst.system})` : ''}: ${formatShare(worst.withinSlaShare)} of its stays met the ${roughDuration(worst.slaSeconds)} SLA; p90 is ${roughDuration(worst.p90Seconds)}.`,
    );
  } else if (s.staysJudged > 0) out.push('Every state met its SLA.');

  if (s.ordersLost === 0) out.push('No order was lost.');
  else {
    const places = new Map<string, number>();
    for (const o of report.lost.orders) {
      const where = o.handoffTo ? `between ${o.state} and ${o.handoffTo}${o.handoffVia ? `, on ${o.handoffVia}` : ''}` : `in ${o.state}`;
      places.set(where, (places.get(where) ?? 0) + 1);
    }
    const [where, count] = [...places.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
    out.push(`${formatCount(s.ordersLost)} ${plural(s.ordersLost, 'order')} lost${where ? `, ${count === s.ordersLost ? 'all' : `${formatCount(count ?? 0)} of them`} ${where}` : ''}.`);
  }

  const operators = report.operators.rows.filter((o) => o.operatorId !== null);
  const top = operators[0];
  if (top && operators.length >= 2 && top.shareOfOrders >= UNFAIR_FACTOR / operators.length) {
    out.push(
      `${top.operatorId} handled ${formatShare(top.shareOfOrders)} of the orders; with ${operators.length} operators an even share would be ${formatShare(1 / operators.length)}.`,
    );
  }

  const b2b = report.segments.find((g) => g.segment === 'b2b');
  const b2c = report.segments.find((g) => g.segment === 'b2c');
  if (b2b && b2c && b2b.leadTimeP90Seconds !== null && b2c.leadTimeP90Seconds !== null) {
    out.push(`9 in 10 B2B orders were completed within ${roughDuration(b2b.leadTimeP90Seconds)}, B2C orders within ${roughDuration(b2c.leadTimeP90Seconds)}.`);
  }
  return out;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

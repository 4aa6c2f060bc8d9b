import { formatDuration } from '../../common';
import type { Observations, StateSummary } from './observations';

/**
 * Readable limits to round suggestions up to, in seconds: a suggested SLA of "47m13s" would be read
 * as precise when it is only the p90 of what happened.
 */
const NICE = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 14_400, 21_600, 28_800, 43_200, 86_400, 172_800, 259_200, 432_000, 604_800, 1_209_600, 2_592_000, 5_184_000, 7_776_000, 15_552_000, 31_536_000];

/** The smallest readable limit at or above `seconds` (whole days beyond a year). */
export function niceLimit(seconds: number): number {
  return NICE.find((n) => n >= seconds) ?? Math.ceil(seconds / 86_400) * 86_400;
}

/** A limit in the model's duration syntax: 90s as "1m30s", a week as "7d". */
function duration(seconds: number): string {
  return formatDuration(seconds);
}

const top = <K>(counts: ReadonlyMap<K, number>): K | undefined => [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
const count = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/**
 * A process model proposed from observations, as commented YAML that `model check` accepts and under
 * which the observed orders break no rule:
 * - every state seen, in the order orders reach them, owned by the system whose events entered it
 *   most often, labelled with its most frequent activity text (the others become aliases);
 * - every move seen is an allowed transition (with its count in a comment);
 * - a state no order ever left is terminal (where orders end); a state orders ended in but also
 *   left is not, since an event after a terminal state breaks the model;
 * - `expect_within` from the p90 and `lost_after` from the p99 of the state's closed stays, rounded
 *   up to a readable limit; a state without closed stays is observed only (no limits);
 * - a handoff where the usual (most frequent) next state is owned by another system, within the
 *   state's lost_after.
 */
export function proposeModel(obs: Observations, name: string): string {
  const successors = (s: string) => [...(obs.transitions.get(s)?.entries() ?? [])].filter(([to]) => to !== s).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const terminal = (s: string) => successors(s).length === 0;
  // States in the order orders reach them, terminal ones last, the most common end first: the model's
  // main path (first state, then the first successor in model order) then ends where most orders end,
  // which the report calls completed.
  const rank = ([n, s]: [string, StateSummary]) => (terminal(n) ? [1, -(obs.ends.get(n) ?? 0)] : [0, s.meanFirstPosition]);
  const states = [...obs.states.entries()].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0]! - rb[0]! || ra[1]! - rb[1]! || a[0].localeCompare(b[0]);
  });
  const systemOf = new Map(states.map(([n, s]) => [n, top(s.systems) ?? 'import']));
  const limits = new Map(states.map(([n, s]) => [n, suggestedLimits(s)]));

  const out: string[] = [
    `# Process model discovered by orderscope model discover from ${obs.origin}:`,
    `# ${count(obs.orders, 'order')}, ${count(obs.events, 'event')}${obs.firstEventAt ? `, ${obs.firstEventAt} to ${obs.lastEventAt}` : ''}.`,
    '# A proposal: check each state\'s owner, label and limits before you deploy it (orderscope model',
    '# backtest shows what the limits would have flagged). expect_within is the p90 of the closed stays',
    '# and lost_after their p99, rounded up; delete both to keep a state "observed only".',
    `name: ${JSON.stringify(name)}`,
    'states:',
  ];
  for (const [stateName, s] of states) {
    const labels = [...s.labels.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([text]) => text);
    const [label, ...aliases] = labels;
    const stats = s.closed
      ? `${count(s.closed, 'closed stay')}: p50 ${duration(s.p50!)}, p90 ${duration(s.p90!)}, p99 ${duration(s.p99!)}, mean ${duration(s.mean!)}`
      : 'no closed stays';
    const ended = obs.ends.get(stateName) ?? 0;
    out.push(terminal(stateName) ? `  # where ${count(ended, 'order')} ended` : `  # ${stats}${s.open ? `; ${count(s.open, 'order')} still there at the end` : ''}`);
    out.push(`  - name: ${stateName}`);
    if (label !== undefined && label !== stateName) out.push(`    label: ${JSON.stringify(label)}`);
    if (aliases.length) out.push(`    aliases: [${aliases.map((a) => JSON.stringify(a)).join(', ')}]`);
    out.push(`    system: ${systemOf.get(stateName)}`);
    if (terminal(stateName)) out.push('    terminal: true');
    else {
      const l = limits.get(stateName);
      if (l) out.push(`    expect_within: ${duration(l.expect)}`, `    lost_after: ${duration(l.lost)}`);
      else out.push('    # observed only: no closed stay to suggest limits from');
    }
  }
  out.push('transitions:');
  const open = states.filter(([n]) => !terminal(n));
  if (open.length === 0) out[out.length - 1] = 'transitions: []';
  for (const [from] of open) {
    const next = successors(from);
    out.push(`  - { from: ${from}, to: [${next.map(([to]) => to).join(', ')}] }  # ${next.map(([to, n]) => `${to} ${n.toLocaleString('en-US')}`).join(', ')}`);
  }
  // A handoff only says the order must have left `from` in time: an order that goes to another next
  // state (a cancellation) left it too, so the usual next state is enough to go by.
  const handoffs = open.flatMap(([from]) => {
    const to = successors(from)[0]?.[0];
    const within = limits.get(from)?.lost;
    return to !== undefined && within !== undefined && systemOf.get(from) !== systemOf.get(to) ? [{ from, to, within }] : [];
  });
  out.push(handoffs.length ? 'handoffs:  # the owning system changes to the usual next state\'s; within = lost_after' : 'handoffs: []');
  for (const h of handoffs) out.push(`  - { from: ${h.from}, to: ${h.to}, within: ${duration(h.within)} }  # ${systemOf.get(h.from)} -> ${systemOf.get(h.to)}`);
  out.push('slos: []');
  const range = observedRange([...obs.states.values()]);
  if (range) {
    out.push(
      '# The time-in-state histogram spans the durations seen, from a tenth of the shortest p50 to ten times',
      '# the longest p99, whatever the limits above become (an observed-only state has none to go by).',
      `histogram: { from: ${duration(range.from)}, to: ${duration(range.to)} }`,
    );
  }
  out.push('');
  return out.join('\n');
}

/** The durations a histogram should span: a tenth of the shortest p50 (at least 1 s) to ten times the longest p99, rounded outwards. */
function observedRange(states: readonly StateSummary[]): { from: number; to: number } | undefined {
  const closed = states.filter((s) => s.p50 !== null && s.p99 !== null);
  if (closed.length === 0) return undefined;
  const shortest = Math.min(...closed.map((s) => s.p50!)) / 10;
  const from = [...NICE].reverse().find((n) => n <= shortest) ?? 1;
  const to = niceLimit(Math.max(...closed.map((s) => s.p99!)) * 10);
  return { from, to: Math.max(to, niceLimit(from + 1)) };
}

/** expect_within and lost_after from a state's p90 and p99 (lost_after always the later), or none without closed stays. */
function suggestedLimits(s: StateSummary): { expect: number; lost: number } | undefined {
  if (s.p90 === null || s.p99 === null) return undefined;
  const expect = niceLimit(Math.max(1, s.p90));
  // When p90 and p99 round to one limit, lost_after takes the next one: at one instant, an order
  // would be stuck and lost at once, and stuck would never show.
  const lost = niceLimit(Math.max(1, s.p99));
  return { expect, lost: lost > expect ? lost : niceLimit(expect + 1) };
}

import type { OrderEvent } from '../../../events';
import type { Sql } from '../../store';
import { orderEvent, type EmbeddedTracker } from '../../test/fixtures';

/**
 * A known week of orders on the default model, small enough to compute every figure of the report by
 * hand (the expectations are in report.test.ts). The week is Monday 2026-11-23 to Sunday 2026-11-29
 * (UTC); the clock stands at Monday 2026-11-30 12:00, after it.
 *
 * | order | segment | operator | what happens                                                      |
 * |-------|---------|----------|-------------------------------------------------------------------|
 * | c1    | b2b     | op-a     | shipped Tue 24, lead 94860 s, 1h in assigned                      |
 * | c2    | b2b     | op-a     | shipped Wed 25, lead 98520 s, 2h in assigned                      |
 * | c3    | b2c     | op-b     | shipped Thu 26, lead 93180 s, 30m in assigned                     |
 * | c4    | b2c     | op-b     | shipped Thu 26, lead 127440 s, 10h in assigned (stuck, recovered)  |
 * | x1    | b2c     | -        | cancelled Thu 26 after 10 min in placed                           |
 * | w1    | b2b     | op-a     | waits in assigned since Fri 27 00:11 (stuck)                      |
 * | e1    | b2c     | -        | placed Sun 22 23:00, quote_requested Mon 01:00, lost at handoff  |
 * | old1  | b2b     | -        | shipped the week before: outside the period                       |
 * | late1 | b2c     | -        | placed after the period: outside it                               |
 * | s1    | b2b     | -        | in pricing since Mon 30 11:04: stuck now                          |
 * | f1    | b2c     | -        | placed Mon 30 11:59: in flight, within its SLA                    |
 * | f2    | b2b     | op-b     | in production since Mon 30 06:26: in flight, within its SLA       |
 *
 * The last three only fill the home page: they come after the period.
 */
export const WEEK = { from: '2026-11-23', to: '2026-11-29' } as const;
export const NOW_MS = Date.UTC(2026, 10, 30, 12, 0, 0);
export const ORDER_IDS = ['c1', 'c2', 'c3', 'c4', 'x1', 'w1', 'e1', 'old1', 'late1', 's1', 'f1', 'f2'];

/** Seconds in each state of the main path before the next one, for a completed order. */
function fullPath(placed: number, assigned: number): [string, number][] {
  return [
    ['placed', placed],
    ['quote_requested', 100],
    ['pricing', 200],
    ['quoted', 300],
    ['assigned', assigned],
    ['confirmed', 600],
    ['in_production', 86_400],
    ['produced', 3600],
    ['shipped', 0],
  ];
}

/** An order's events: each state entered `seconds` of the previous one after the one before. */
function journey(orderId: string, start: string, steps: [string, number][], attrs: { segment: string; operator?: string }): OrderEvent[] {
  let at = Date.parse(start);
  return steps.map(([state, seconds], i) => {
    const attributes: Record<string, string> = i === 0 ? { segment: attrs.segment } : {};
    if (state === 'assigned' && attrs.operator) attributes.operator_id = attrs.operator;
    const event = orderEvent(orderId, state, at, { seq: i, attributes });
    at += seconds * 1000;
    return event;
  });
}

export function weekEvents(): OrderEvent[] {
  return [
    ...journey('c1', '2026-11-23T08:00:00Z', fullPath(60, 3600), { segment: 'b2b', operator: 'op-a' }),
    ...journey('c2', '2026-11-24T08:00:00Z', fullPath(120, 7200), { segment: 'b2b', operator: 'op-a' }),
    ...journey('c3', '2026-11-25T08:00:00Z', fullPath(180, 1800), { segment: 'b2c', operator: 'op-b' }),
    ...journey('c4', '2026-11-25T12:00:00Z', fullPath(240, 36_000), { segment: 'b2c', operator: 'op-b' }),
    ...journey('x1', '2026-11-26T08:00:00Z', [['placed', 600], ['cancelled', 0]], { segment: 'b2c' }),
    ...journey('w1', '2026-11-27T00:00:00Z', fullPath(60, 0).slice(0, 5), { segment: 'b2b', operator: 'op-a' }),
    ...journey('e1', '2026-11-22T23:00:00Z', [['placed', 7200], ['quote_requested', 0]], { segment: 'b2c' }),
    ...journey('old1', '2026-11-20T08:00:00Z', fullPath(60, 3600), { segment: 'b2b' }),
    ...journey('late1', '2026-11-30T02:00:00Z', [['placed', 60], ['quote_requested', 0]], { segment: 'b2c' }),
    ...journey('s1', '2026-11-30T11:00:00Z', fullPath(120, 0).slice(0, 3), { segment: 'b2b' }),
    ...journey('f1', '2026-11-30T11:59:00Z', fullPath(0, 0).slice(0, 1), { segment: 'b2c' }),
    ...journey('f2', '2026-11-30T06:00:00Z', fullPath(60, 600).slice(0, 7), { segment: 'b2b', operator: 'op-b' }),
  ];
}

/**
 * What the lost-order detector wrote during the week (the test clock starts after it, so its sweeps
 * flag orders on Monday 30 only): c4 stuck in assigned then moved on, w1 stuck in assigned, e1 stuck
 * then lost at the quote_requested -> pricing handoff, and old1 flagged the week before (outside the
 * period).
 */
export async function writeWeekFlags(sql: Sql): Promise<void> {
  await sql.query(
    `INSERT INTO status_changes (order_id, from_status, to_status, state, reason, handoff_to, deadline_at, at, trace_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::text[])`,
    [
      ['c4', 'c4', 'w1', 'e1', 'e1', 'old1'],
      ['open', 'stuck', 'open', 'open', 'stuck', 'open'],
      ['stuck', 'recovered', 'stuck', 'stuck', 'lost', 'lost'],
      ['assigned', 'assigned', 'assigned', 'quote_requested', 'quote_requested', 'pricing'],
      ['expect_within', 'moved_on', 'expect_within', 'expect_within', 'handoff_missed', 'lost_after'],
      [null, null, null, null, 'pricing', null],
      ['2026-11-25T20:14:00Z', null, '2026-11-27T08:10:00Z', '2026-11-23T01:05:00Z', '2026-11-23T01:05:00Z', '2026-11-20T10:00:00Z'],
      ['2026-11-25T20:14:01Z', '2026-11-25T22:14:00Z', '2026-11-27T08:10:01Z', '2026-11-23T01:05:01Z', '2026-11-23T01:05:02Z', '2026-11-20T10:00:01Z'],
      [null, null, null, null, '4bf92f3577b34da6a3ce929d0e0e4736', null],
    ],
  );
}

/**
 * Publishes the week through the tracker (as agents would), waits until it is applied, lets the
 * detector sweep once at the test clock (orders.status of e1, w1, late1 becomes lost, of s1 stuck),
 * then writes the week's flags.
 */
export async function loadWeek(t: EmbeddedTracker): Promise<void> {
  await t.bus.publish(weekEvents());
  await t.tracker.sweep();
  await writeWeekFlags(t.db);
}

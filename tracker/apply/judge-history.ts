import type { ProcessModel } from '../../events';
import { statusesThrough, type OrderStanding } from '../detection';
import { loadStays, traceIdsOf, type Sql, type StatusChange } from '../store';
import type { Stay } from '../timeline';

/** What a history order's stays say, judged in event time. */
export interface JudgedHistory {
  /** Every flag and recovery of its closed stays, each at its event time, marked backfill. */
  readonly changes: readonly StatusChange[];
  /** Its last closed stay with the status its limits gave it: settleAfterEvents' `before`. */
  readonly standing: OrderStanding | undefined;
  /** The trace of the event that entered the stay it is in now. */
  readonly currentTrace: string | null;
}

/**
 * History orders (events/backfill.ts) judged again from all their closed stays, as stored once this
 * batch's stays are written: a detector sweeping without pause would have recorded these flags and
 * recoveries ({@link statusesThrough}). Judged from the first stay every time, rather than from the
 * status stored before the batch, so that the result is the same however the history was cut into
 * batches and in whatever order they came: a batch with an order's earlier events (a rebuild), or a
 * sweep of its source's clock that ran before its later events arrived, changes nothing in the end.
 * Each change carries the trace of the event that entered the stay the order was in at that instant.
 *
 * @param current each order's stay now (the open one, not in the stays table)
 */
export async function judgeHistory(sql: Sql, current: ReadonlyMap<string, Stay>, model: ProcessModel): Promise<Map<string, JudgedHistory>> {
  const orderIds = [...current.keys()];
  if (orderIds.length === 0) return new Map();
  const byOrder = new Map<string, Stay[]>(orderIds.map((id) => [id, []]));
  for (const stay of await loadStays(sql, orderIds)) byOrder.get(stay.orderId)!.push(stay);
  const traces = await traceIdsOf(sql, [...[...byOrder.values()].flat(), ...current.values()].map((s) => s.enteredEventId));
  const traceOf = (stay: Stay | undefined) => (stay && traces.get(stay.enteredEventId)) ?? null;

  const judged = new Map<string, JudgedHistory>();
  for (const [orderId, stays] of byOrder) {
    stays.sort((a, b) => a.seqNo - b.seqNo);
    const now = current.get(orderId)!;
    const walked = statusesThrough(undefined, stays.map((s) => ({ state: s.state, enteredAt: s.enteredAt, leftAt: s.leftAt! })), model);
    const timeline = [...stays, now];
    // The stay the order was in at `at`: the last one entered by then (a recovery's is the stay it moved on to).
    const stayAt = (at: number) => timeline.findLast((s) => s.enteredAt <= at);
    judged.set(orderId, {
      changes: walked.changes.map((c) => ({ orderId, ...c, traceId: traceOf(stayAt(c.at)), backfill: true })),
      standing: walked.standing,
      currentTrace: traceOf(now),
    });
  }
  return judged;
}

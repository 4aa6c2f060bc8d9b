import { groupBy } from '../../common';
import { isBackfill, type OrderEvent, type ProcessModel } from '../../events';
import { settleAfterEvents } from '../detection';
import { addHistogramChanges, type HistogramChange } from '../histograms';
import { addReportRollups } from '../rollups';
import {
  advanceSourceClocks,
  ConcurrentOrderCreation,
  deleteBackfillChanges,
  deleteStaysFrom,
  insertEvents,
  insertStatusChanges,
  loadStays,
  loadTimelineEvents,
  lockPositions,
  savePositions,
  setViolations,
  upsertStays,
  type Db,
  type PositionWrite,
  type StatusChange,
  type StoredPosition,
} from '../store';
import { inEventTimeOrder, isAfter, type Micros, type TimelineEvent, type ViolationKind } from '../timeline';
import { planAppend, planRebuild, type OrderPlan } from './plan-order';
import { judgeHistory, type JudgedHistory } from './judge-history';
import { withStateName } from './state-names';

/** What applying one batch did; the tracker turns it into metrics once the transaction committed. */
export interface ApplyOutcome {
  /** Events in the batch. */
  readonly received: number;
  /** Events stored for the first time. */
  readonly applied: number;
  /** Events already stored (redelivered, or sent twice), ignored. */
  readonly duplicates: number;
  /** Orders extended by events after their last one. */
  readonly ordersExtended: number;
  /** Orders rebuilt from all their events because of a late event. */
  readonly ordersRebuilt: number;
  /** occurred_at of each applied event, in ms since the epoch (for the apply lag). */
  readonly appliedOccurredAtMs: readonly number[];
  /** A kind per event flagged by this batch. */
  readonly raisedViolations: readonly ViolationKind[];
  /** Duration observations made and taken back by this batch: make each exactly once. */
  readonly histogramChanges: readonly HistogramChange[];
  /** Closed stays in states the model does not know (stored, not observable). */
  readonly unobservableStays: number;
  /** Stuck or lost orders that this batch moved on (recovered, or done), as recorded. */
  readonly statusChanges: readonly StatusChange[];
}

/**
 * Applies a batch from the bus in one transaction and resolves only after it committed, so the bus
 * may then commit its offsets:
 *
 * 1. insert the events, each state written as the model names it (a label or alias is mapped,
 *    state-names.ts), skipping event_ids already stored (a redelivered batch changes nothing);
 * 2. lock the orders that got new events, in a fixed order (concurrent batches on one order queue up),
 *    reading their stored positions (new orders get their rows when their positions are written);
 * 3. extend each order from its position by its new events when they all come after its last one,
 *    else rebuild it from all its stored events: either way the result is what in-order delivery of
 *    every event would have given; write only what changed;
 * 4. settle each order's status for the lost-order detector (tracker/detection): a stuck or lost
 *    order that moved on has recovered, and is recorded so; every order gets the deadline of its
 *    new stay (`next_deadline_at`), so the sweeper finds it when a limit passes; a history order
 *    (all its events marked backfill) is judged again in event time from all its stays
 *    (judge-history.ts), whatever batches its events came in;
 * 5. add the histogram changes to this instance's running totals, and the stays and positions the
 *    batch changed to the report rollups (tracker/rollups), in the same transaction.
 *
 * A fixed number of statements per batch, whatever its size: every statement takes arrays.
 *
 * @param observer the tracker instance, whose histogram totals this batch adds to
 * @param now the wall clock in ms, for the time of recoveries
 */
export async function applyBatch(db: Db, model: ProcessModel, batch: readonly OrderEvent[], observer: string, now: () => number = Date.now): Promise<ApplyOutcome> {
  const unique = uniqueEvents(batch).map((e) => withStateName(e, model));
  // A conflict over a new order means another transaction created it and committed (the insert waited
  // for it): the next attempt finds its row. Each attempt lets at least one of the racing transactions
  // through, so a few suffice; past them the caller's own retry takes over.
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyInTransaction(db, model, batch.length, unique, observer, now);
    } catch (err) {
      if (!(err instanceof ConcurrentOrderCreation) || attempt === CREATION_ATTEMPTS) throw err;
    }
  }
}

/** Attempts at a batch whose new orders other transactions create at the same time. */
const CREATION_ATTEMPTS = 5;

/** One attempt at {@link applyBatch}: `unique` is the batch without repeated events, states named as the model names them. */
async function applyInTransaction(db: Db, model: ProcessModel, received: number, unique: readonly OrderEvent[], observer: string, now: () => number): Promise<ApplyOutcome> {
  return db.transaction(async (tx) => {
    // Every statement below reaches a few thousand rows by key. Left to itself the planner prefers
    // scanning a table that is small now, a cost that grows with the table, batch after batch.
    await tx.query('SET LOCAL enable_seqscan = off');
    const inserted = await insertEvents(tx, unique);
    if (inserted.length === 0) return nothingNew(received);

    const byId = new Map(unique.map((e) => [e.event_id, e]));
    const newEvents = groupBy(
      inserted.map(({ eventId, orderId, occurredAt }): TimelineEvent & { orderId: string } => {
        const e = byId.get(eventId)!;
        return { orderId, eventId, source: e.source, state: e.state, occurredAt, seq: e.seq, attributes: e.attributes };
      }),
      byOrder,
    );
    const orderIds = [...newEvents.keys()].sort();
    const { positions, existing } = await lockPositions(tx, orderIds);

    const plans: OrderPlan[] = [];
    const late: string[] = [];
    for (const id of orderIds) {
      const events = inEventTimeOrder(newEvents.get(id)!);
      const from = positions.get(id)?.position;
      if (from && !isAfter(events[0]!, from.lastEvent)) late.push(id);
      else plans.push(planAppend(id, from, events, model));
    }
    if (late.length > 0) {
      const stored = groupBy(await loadTimelineEvents(tx, late), byOrder);
      const stays = groupBy(await loadStays(tx, late), byOrder);
      for (const id of late) plans.push(planRebuild(id, positions.get(id)?.position, stored.get(id) ?? [], stays.get(id) ?? [], model));
    }
    const history = new Set(orderIds.filter((id) => isHistory(positions.get(id), newEvents.get(id)!, (eventId) => isBackfill(byId.get(eventId)!))));
    // The history clock of each source reaches the newest of its backfill events.
    await advanceSourceClocks(
      tx,
      inserted.filter((e) => isBackfill(byId.get(e.eventId)!)).map((e) => ({ source: byId.get(e.eventId)!.source, watermark: e.occurredAt })),
    );

    await upsertStays(tx, plans.flatMap((p) => p.stayWrites));
    await deleteStaysFrom(tx, plans.flatMap((p) => (p.staysCutFrom === null ? [] : [{ orderId: p.orderId, fromSeqNo: p.staysCutFrom }])));
    await setViolations(tx, plans.flatMap((p) => p.flagWrites));
    // History is judged from its stays as now stored, and what was judged of it before is replaced.
    const histories = await judgeHistory(tx, new Map(plans.filter((p) => history.has(p.orderId)).map((p) => [p.orderId, p.position.current])), model);
    await deleteBackfillChanges(tx, [...histories.keys()]);
    const settled = settleStatuses(plans, positions, model, now() * 1000, histories, (eventId) => byId.get(eventId)?.trace_id ?? null);
    await savePositions(tx, settled.writes, existing);
    await insertStatusChanges(tx, settled.changes);
    // Last, the rows that concurrent batches share (the rollups' and this tracker's histogram totals):
    // a batch that meets a row another batch updated waits for that one's commit, so each is held
    // from its statement to the commit only, not through the rest of the batch. The rollups count
    // history too: the reports show it, whatever path its events came by.
    await addReportRollups(tx, plans, positions);
    // History is in the reports (the stays), not in what Prometheus rates: a year of imported stays
    // in the live histogram would burn the SLO budgets today and page.
    const histogramChanges = plans.filter((p) => !history.has(p.orderId)).flatMap((p) => p.histogramChanges);
    await addHistogramChanges(tx, observer, histogramChanges, model.durationBuckets());

    return {
      received,
      applied: inserted.length,
      duplicates: received - inserted.length,
      ordersExtended: plans.length - late.length,
      ordersRebuilt: late.length,
      // The apply lag of live events only: a backfill's are months old by design.
      appliedOccurredAtMs: inserted.filter((e) => !isBackfill(byId.get(e.eventId)!)).map((e) => e.occurredAt / 1000),
      raisedViolations: plans.flatMap((p) => p.raisedViolations),
      histogramChanges,
      unobservableStays: plans.reduce((n, p) => n + p.unobservableStays, 0),
      statusChanges: settled.changes,
    };
  });
}

/**
 * Each planned order's status and next deadline after its new events ({@link settleAfterEvents}),
 * and a recovery record for every stuck or lost order they moved on, with the trace of the event that
 * moved it (from this batch).
 *
 * A history order (in `histories`, see judge-history.ts) is settled from the standing its stays were
 * judged to in event time, not from its stored status: its flags and recoveries are those of the
 * judgement, each at its event time and marked backfill (never paged), a recovery into the stay it is
 * in now too, and its next limit is judged against its source's history clock, not the wall clock.
 */
function settleStatuses(
  plans: readonly OrderPlan[],
  stored: ReadonlyMap<string, StoredPosition>,
  model: ProcessModel,
  at: Micros,
  histories: ReadonlyMap<string, JudgedHistory>,
  traceOf: (eventId: string) => string | null,
): { writes: PositionWrite[]; changes: StatusChange[] } {
  const writes: PositionWrite[] = [];
  const changes: StatusChange[] = [];
  for (const plan of plans) {
    const { orderId, position } = plan;
    const was = stored.get(orderId);
    const history = histories.get(orderId);
    let before = was && { status: was.status, state: was.position.current.state, stateSince: was.position.current.enteredAt };
    if (history) {
      changes.push(...history.changes);
      before = history.standing;
    }
    const settled = settleAfterEvents(before, { state: position.current.state, stateSince: position.current.enteredAt }, model);
    writes.push({ orderId, position, status: settled.status, nextDeadlineAt: settled.nextDeadlineAt, clockSource: history ? plan.newestSource : null });
    if (before && settled.recoveredFrom) {
      changes.push({
        orderId,
        fromStatus: settled.recoveredFrom,
        toStatus: settled.status,
        state: before.state,
        reason: 'moved_on',
        handoffTo: null,
        deadlineAt: null,
        ...(history
          ? { at: position.current.enteredAt, traceId: history.currentTrace, backfill: true }
          : { at, traceId: traceOf(position.current.enteredEventId) ?? traceOf(position.lastEvent.eventId) }),
      });
    }
  }
  return { writes, changes };
}

/**
 * Whether an order is judged in event time after these new events (events/backfill.ts): when every
 * event it has carries the backfill mark (import, replay --as-history). One event without the mark
 * makes it live for good, whenever it occurred and whichever came first: a marked event must never
 * silence an order that is running (a backlog replayed after an outage, a producer that sets the
 * mark), and the answer must not depend on whether the import or the live events arrived first.
 */
function isHistory(stored: StoredPosition | undefined, events: readonly TimelineEvent[], marked: (eventId: string) => boolean): boolean {
  if (stored !== undefined && stored.clockSource === null) return false;
  return events.every((e) => marked(e.eventId));
}

function nothingNew(received: number): ApplyOutcome {
  return {
    received,
    applied: 0,
    duplicates: received,
    ordersExtended: 0,
    ordersRebuilt: 0,
    appliedOccurredAtMs: [],
    raisedViolations: [],
    histogramChanges: [],
    unobservableStays: 0,
    statusChanges: [],
  };
}

/**
 * The batch with each event_id once (the first copy), ids in the lower case the store returns them
 * in: a batch may carry an event twice, and one INSERT must not meet the same key twice.
 */
function uniqueEvents(batch: readonly OrderEvent[]): OrderEvent[] {
  const seen = new Set<string>();
  const out: OrderEvent[] = [];
  for (const event of batch) {
    const id = event.event_id.toLowerCase();
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id === event.event_id ? event : { ...event, event_id: id });
  }
  return out;
}

const byOrder = (row: { readonly orderId: string }): string => row.orderId;

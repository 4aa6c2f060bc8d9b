import type { ProcessModel } from '../../events';
import { histogramChanges, type HistogramChange } from '../histograms';
import type { StoredEvent, StoredStay } from '../store';
import { buildTimeline, closedStayChanges, continueTimeline, leadTimeAt, type OrderPosition, type Stay, type StayChange, type TimelineEvent, type ViolationKind } from '../timeline';

/** What applying new events to one order changes in the store and in the histograms. */
export interface OrderPlan {
  readonly orderId: string;
  /** Rebuilt from all its events (a late event), rather than extended by events after its last one. */
  readonly rebuilt: boolean;
  /** The source of the newest of these events. */
  readonly newestSource: string;
  readonly position: OrderPosition;
  /** Closed stays that are new or differ from the stored ones at the same seq_no (the open one is in the position). */
  readonly stayWrites: readonly StoredStay[];
  /** When the order has fewer closed stays than stored: stored stays from this seq_no on are gone. */
  readonly staysCutFrom: number | null;
  /** Events whose conformance flag changed. */
  readonly flagWrites: readonly { eventId: string; kind: ViolationKind | null; detail: string | null }[];
  /** A kind per event this change flagged (newly, or with another kind). */
  readonly raisedViolations: readonly ViolationKind[];
  /** Closed stays added to the store and taken out of it: what histograms and report rollups follow. */
  readonly stayChanges: readonly StayChange[];
  /** Observations to make (and take back) once the transaction commits. */
  readonly histogramChanges: readonly HistogramChange[];
  /** Stays that closed in a state the model does not know: stored, but never a histogram label. */
  readonly unobservableStays: number;
}

/**
 * New events that all come after the order's last stored one (the usual case) extend its timeline
 * from its stored position: no history is read, and the result is the one a rebuild would give,
 * because both run the same fold ({@link continueTimeline}).
 *
 * @param from the stored position, undefined for an order seen for the first time
 * @param events the new events, in event-time order, all after `from.lastEvent`
 */
export function planAppend(orderId: string, from: OrderPosition | undefined, events: readonly TimelineEvent[], model: ProcessModel): OrderPlan {
  const { position, stays, violations } = continueTimeline(from, events, model);
  const stayChanges = closedStayChanges(from ? [from.current] : [], stays);
  const histograms = histogramChanges(stayChanges, from && leadTimeAt(from, model), leadTimeAt(position, model), model);
  return {
    orderId,
    rebuilt: false,
    newestSource: events[events.length - 1]!.source,
    position,
    stayWrites: closedStays(orderId, stays),
    staysCutFrom: null,
    flagWrites: violations.map((v) => ({ eventId: v.eventId, kind: v.kind, detail: v.message })),
    raisedViolations: violations.map((v) => v.kind),
    stayChanges,
    histogramChanges: histograms.changes,
    unobservableStays: histograms.unobservableStays,
  };
}

/**
 * A late event (one before the order's last stored event) makes the tracker rebuild the order from
 * all its stored events ({@link buildTimeline}) and write only what differs from the stored stays
 * and flags.
 */
export function planRebuild(
  orderId: string,
  from: OrderPosition | undefined,
  events: readonly StoredEvent[],
  storedStays: readonly StoredStay[],
  model: ProcessModel,
): OrderPlan {
  const timeline = buildTimeline(events, model);
  const before = new Map(storedStays.map((s) => [s.seqNo, s]));
  const closed = closedStays(orderId, timeline.stays);
  const stayWrites = closed.filter((stay) => !sameStay(before.get(stay.seqNo), stay));

  const flags = new Map(timeline.violations.map((v) => [v.eventId, v]));
  const flagWrites: OrderPlan['flagWrites'][number][] = [];
  const raisedViolations: ViolationKind[] = [];
  for (const event of events) {
    const violation = flags.get(event.eventId);
    const kind = violation?.kind ?? null;
    const detail = violation?.message ?? null;
    if (kind === event.violation && detail === event.violationDetail) continue;
    flagWrites.push({ eventId: event.eventId, kind, detail });
    if (kind !== null && kind !== event.violation) raisedViolations.push(kind);
  }

  const stayChanges = closedStayChanges(storedStays, timeline.stays);
  const histograms = histogramChanges(stayChanges, from && leadTimeAt(from, model), leadTimeAt(timeline.position, model), model);
  return {
    orderId,
    rebuilt: true,
    newestSource: timeline.events[timeline.events.length - 1]!.source,
    position: timeline.position,
    stayWrites,
    staysCutFrom: storedStays.length > closed.length ? closed.length : null,
    flagWrites,
    raisedViolations,
    stayChanges,
    histogramChanges: histograms.changes,
    unobservableStays: histograms.unobservableStays,
  };
}

/** The closed stays among `stays`, as rows of the order. */
function closedStays(orderId: string, stays: readonly Stay[]): StoredStay[] {
  const out: StoredStay[] = [];
  for (const s of stays) if (s.leftAt !== null && s.durationSeconds !== null) out.push({ ...s, orderId, leftAt: s.leftAt, durationSeconds: s.durationSeconds });
  return out;
}

function sameStay(a: Stay | undefined, b: Stay): boolean {
  return (
    a !== undefined && a.state === b.state && a.enteredAt === b.enteredAt && a.leftAt === b.leftAt && a.system === b.system && a.enteredEventId === b.enteredEventId
  );
}

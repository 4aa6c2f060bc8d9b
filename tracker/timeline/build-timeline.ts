import type { ProcessModel } from '../../events';
import { continueTimeline } from './continue-timeline';
import { compareEvents } from './event-order';
import { leadTimeAt, statusAt } from './order-position';
import type { Timeline, TimelineEvent } from './types';

/**
 * Time-in-state: derives an order's stays, current state, conformance violations and lead time from
 * its events (the rules are those of {@link continueTimeline}). A pure function of the set of events:
 * duplicates (same event_id) count once and any arrival order gives the same result, because the
 * events are put in event-time order first. That is what lets the tracker rebuild an order from its
 * stored events whenever a late event arrives.
 *
 * @throws Error when `events` is empty: an order exists only through its events.
 */
export function buildTimeline(events: readonly TimelineEvent[], model: ProcessModel): Timeline {
  const ordered = inEventTimeOrder(events);
  const { stays, violations, position } = continueTimeline(undefined, ordered, model);
  const lead = leadTimeAt(position, model);
  return {
    events: ordered,
    stays,
    violations,
    position,
    currentState: position.current.state,
    stateSince: position.current.enteredAt,
    status: statusAt(position, model),
    firstEventAt: position.firstEventAt,
    lastEventAt: position.lastEvent.occurredAt,
    finishedAt: lead?.finishedAt ?? null,
    leadTimeSeconds: lead?.seconds ?? null,
    segment: position.segment,
    operatorId: position.operatorId,
  };
}

/**
 * The events sorted by {@link compareEvents}, each event_id once. When two copies of one event_id
 * differ (a producer bug), the one that sorts first is kept, so the choice does not depend on arrival
 * order either.
 */
export function inEventTimeOrder(events: readonly TimelineEvent[]): TimelineEvent[] {
  const sorted = [...events].sort(compareEvents);
  const seen = new Set<string>();
  return sorted.filter((e) => {
    if (seen.has(e.eventId)) return false;
    seen.add(e.eventId);
    return true;
  });
}

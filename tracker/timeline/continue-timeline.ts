import type { AttributeValue, ProcessModel } from '../../events';
import { checkMove } from './conformance';
import { secondsBetween } from './event-time';
import { TIMELINE_ATTRIBUTES, type OrderPosition, type Stay, type TimelineEvent, type Violation } from './types';

/** What a run of events did to an order. */
export interface Continuation {
  readonly position: OrderPosition;
  /** The stay the order was in (closed if it moved on), then each stay it entered, in order. */
  readonly stays: readonly Stay[];
  /** Violations of the given events. */
  readonly violations: readonly Violation[];
}

/**
 * Time-in-state, one event at a time: moves an order from `from` (undefined for a new order) through
 * `events`, which must be in event-time order, each once, and all after `from.lastEvent`. This fold is
 * the whole timeline logic; {@link buildTimeline} is this fold over all of an order's events, so
 * extending an order from its stored position gives exactly what rebuilding it would.
 *
 * Rules:
 * - a stay starts when the order enters a state and ends when it enters a different one; the same
 *   state reported again (a retry, a second system confirming it) continues the stay;
 * - an event that breaks the model (see {@link checkMove}) is flagged and still moves the order: the
 *   time it spent there is real, and charging it to the previous state would make that state look
 *   slow. A state the model does not know is owned by the event's source;
 * - segment and operator are those of the last event (in event time) that sets them.
 */
export function continueTimeline(from: OrderPosition | undefined, events: readonly TimelineEvent[], model: ProcessModel): Continuation {
  const stays: Stay[] = from ? [from.current] : [];
  const violations: Violation[] = [];
  let segment = from?.segment ?? null;
  let operatorId = from?.operatorId ?? null;

  for (const event of events) {
    segment = attributeText(event, TIMELINE_ATTRIBUTES.segment) ?? segment;
    operatorId = attributeText(event, TIMELINE_ATTRIBUTES.operatorId) ?? operatorId;
    const current = stays[stays.length - 1];
    if (current?.state === event.state) continue;

    const broken = checkMove(model, current?.state, event.state);
    if (broken) {
      violations.push({ eventId: event.eventId, kind: broken.kind, state: event.state, fromState: current?.state, occurredAt: event.occurredAt, message: broken.message });
    }
    if (current) stays[stays.length - 1] = { ...current, leftAt: event.occurredAt, durationSeconds: secondsBetween(current.enteredAt, event.occurredAt) };
    stays.push({
      seqNo: current ? current.seqNo + 1 : 0,
      state: event.state,
      system: model.state(event.state)?.system ?? event.source,
      enteredAt: event.occurredAt,
      leftAt: null,
      durationSeconds: null,
      enteredEventId: event.eventId,
    });
  }

  const last = events[events.length - 1];
  const current = stays[stays.length - 1];
  if (!current) throw new Error('an order timeline needs at least one event');
  return {
    stays,
    violations,
    position: {
      current,
      lastEvent: last ? { occurredAt: last.occurredAt, seq: last.seq, eventId: last.eventId } : from!.lastEvent,
      firstEventAt: from?.firstEventAt ?? events[0]!.occurredAt,
      eventCount: (from?.eventCount ?? 0) + events.length,
      violationCount: (from?.violationCount ?? 0) + violations.length,
      segment,
      operatorId,
    },
  };
}

function attributeText(event: TimelineEvent, key: string): string | undefined {
  const value: AttributeValue | undefined = event.attributes?.[key];
  return value === undefined || value === null ? undefined : String(value);
}

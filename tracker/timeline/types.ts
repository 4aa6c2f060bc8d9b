import type { AttributeValue } from '../../events';
import type { Micros } from './event-time';

/** One event of an order, as the timeline needs it (a stored event or one straight from the bus). */
export interface TimelineEvent {
  readonly eventId: string;
  /** The emitting system; owns the stay when the state is not in the process model. */
  readonly source: string;
  readonly state: string;
  readonly occurredAt: Micros;
  readonly seq: number;
  /** Only the attributes the timeline reads ({@link TIMELINE_ATTRIBUTES}) are needed. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** Attributes that the order row carries; the last event (in event time) that sets one wins. */
export const TIMELINE_ATTRIBUTES = { segment: 'segment', operatorId: 'operator_id' } as const;

/**
 * A stay: the order entered `state` at `enteredAt` and left it at `leftAt` (null while it is still
 * there). A stay ends when the order enters a different state; the same state reported again does
 * not start a new stay.
 */
export interface Stay {
  /** Position in the order's timeline, from 0. */
  readonly seqNo: number;
  readonly state: string;
  /** The system that owned the order meanwhile: the model's owner, or the event's source for a state the model does not know. */
  readonly system: string;
  readonly enteredAt: Micros;
  readonly leftAt: Micros | null;
  /** leftAt - enteredAt, null while open. */
  readonly durationSeconds: number | null;
  /** The event that started the stay. */
  readonly enteredEventId: string;
}

/**
 * How an event breaks the process model. The event is kept and its stay recorded all the same: the
 * timeline is what happened, the violation is a flag on it.
 */
export type ViolationKind = 'unknown_state' | 'disallowed_transition' | 'after_terminal';

export const VIOLATION_KINDS: readonly ViolationKind[] = ['unknown_state', 'disallowed_transition', 'after_terminal'];

export interface Violation {
  readonly eventId: string;
  readonly kind: ViolationKind;
  readonly state: string;
  /** The state the order was in when the event arrived (in event time); undefined for its first event. */
  readonly fromState: string | undefined;
  readonly occurredAt: Micros;
  /** Plain words, e.g. `"pricing" -> "shipped" is not an allowed transition (...)`. */
  readonly message: string;
}

/** Where an event sits in event-time order (see compareEvents). */
export interface EventKey {
  readonly occurredAt: Micros;
  readonly seq: number;
  readonly eventId: string;
}

/**
 * Where an order is after its events so far: everything the timeline needs to go on from there.
 * Kept on the order's row, so that events arriving after the last one extend the timeline without
 * reading the order's history again.
 */
export interface OrderPosition {
  /** The stay the order is in now (leftAt null). */
  readonly current: Stay;
  /** The order's last event in event-time order. */
  readonly lastEvent: EventKey;
  readonly firstEventAt: Micros;
  readonly eventCount: number;
  readonly violationCount: number;
  readonly segment: string | null;
  readonly operatorId: string | null;
}

/**
 * An order's status. The events alone give `open` and `done` (in a terminal state of the model, see
 * statusAt); the lost-order detector (tracker/detection) adds `stuck` (past the state's
 * expect_within), `lost` (past its lost_after, or a handoff missed) and `recovered` (a later event
 * moved a stuck or lost order on).
 */
export type OrderStatus = 'open' | 'stuck' | 'lost' | 'recovered' | 'done';

/** Every status, in the order an order goes through them. */
export const ORDER_STATUSES: readonly OrderStatus[] = ['open', 'stuck', 'lost', 'recovered', 'done'];

/** Everything the tracker derives from one order's events. */
export interface Timeline {
  /** The order's events, each once, in event-time order (occurred_at, then seq, then event_id). */
  readonly events: readonly TimelineEvent[];
  readonly stays: readonly Stay[];
  readonly violations: readonly Violation[];
  readonly position: OrderPosition;
  readonly currentState: string;
  readonly stateSince: Micros;
  readonly status: OrderStatus;
  readonly firstEventAt: Micros;
  readonly lastEventAt: Micros;
  /** When the order entered the terminal state it is in; null while open. */
  readonly finishedAt: Micros | null;
  /** finishedAt - firstEventAt; null while open. */
  readonly leadTimeSeconds: number | null;
  readonly segment: string | null;
  readonly operatorId: string | null;
}

import type { ValidationProblem } from '../../events';

/**
 * Why events were not accepted: the bounded set of values of the `reason` label of
 * `orderscope_collector_events_rejected_total`. Never a raw message, so the label cannot explode.
 */
export const REJECTION_REASONS = [
  'invalid_schema_version',
  'invalid_event_id',
  'invalid_order_id',
  'invalid_source',
  'invalid_state',
  'invalid_occurred_at',
  'future_occurred_at',
  'invalid_seq',
  'invalid_trace_id',
  'invalid_span_id',
  'invalid_attributes',
  'unknown_field',
  'not_an_object',
  'invalid_event',
  /** The token may not emit events for the event's source: the whole request is refused. */
  'forbidden_source',
  /** The client's rate limit was exceeded: the whole request is refused. */
  'rate_limited',
  /** The bus did not acknowledge in time: the whole request is refused, to be retried. */
  'bus_unavailable',
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

// A Map, not an object literal: a field named "__proto__" must not find Object.prototype.
const FIELD_REASONS = new Map<string, RejectionReason>(Object.entries({
  schema_version: 'invalid_schema_version',
  event_id: 'invalid_event_id',
  order_id: 'invalid_order_id',
  source: 'invalid_source',
  state: 'invalid_state',
  occurred_at: 'invalid_occurred_at',
  seq: 'invalid_seq',
  trace_id: 'invalid_trace_id',
  span_id: 'invalid_span_id',
  attributes: 'invalid_attributes',
} satisfies Record<string, RejectionReason>));

/** The reason code of a contract violation, from the problem `validateOrderEvent` names. */
export function rejectionReason(problem: ValidationProblem): RejectionReason {
  if (problem.kind === 'future') return 'future_occurred_at';
  if (problem.kind === 'unknown_field') return 'unknown_field';
  if (problem.field === undefined) return 'not_an_object';
  return FIELD_REASONS.get(problem.field) ?? 'invalid_event';
}

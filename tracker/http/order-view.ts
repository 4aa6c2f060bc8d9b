import type { Handoff, ProcessModel } from '../../events';
import { handoffOf } from '../detection';
import type { EventDetail, LostOrderRow, OrderRow, RedriveRow, StatusChange, StoredStay } from '../store';
import type { TraceBackend } from '../traces';
import { formatEventTime, secondsBetween, type Micros, type Stay } from '../timeline';

/** The JSON of one order in lists: where it is and since when. */
export function orderSummaryView(order: OrderRow, now: Micros) {
  return {
    order_id: order.orderId,
    state: order.state,
    system: order.system,
    state_since: formatEventTime(order.stateSince),
    time_in_state_seconds: Math.max(0, secondsBetween(order.stateSince, now)),
    status: order.status,
    segment: order.segment,
    operator_id: order.operatorId,
    first_event_at: formatEventTime(order.firstEventAt),
    last_event_at: formatEventTime(order.lastEventAt),
    event_count: order.eventCount,
    violation_count: order.violationCount,
  };
}

/**
 * The JSON of an order's timeline: its stays (the closed ones stored, then the one it is in now, from
 * its row) with their SLA verdicts, its events with links to their traces, its conformance
 * violations, and its status history (stuck, lost, recovered).
 *
 * - `duration_seconds` of the stay the order is in now (left_at null) is the time so far;
 * - `sla_met` is true or false for a closed stay of a state with an SLA (expect_within), false for the
 *   current stay once it is past its SLA, and null otherwise (no SLA, or still within it).
 */
export function orderTimelineView(
  order: OrderRow,
  closedStays: readonly StoredStay[],
  events: readonly EventDetail[],
  history: readonly StatusChange[],
  model: ProcessModel,
  traces: TraceBackend,
  now: Micros,
  redrives: readonly RedriveRow[] = [],
) {
  const current: Stay = { seqNo: -1, state: order.state, system: order.system, enteredAt: order.stateSince, leftAt: null, durationSeconds: null, enteredEventId: '' };
  const stays: Stay[] = [...[...closedStays].sort((a, b) => a.seqNo - b.seqNo), current];
  return {
    ...orderSummaryView(order, now),
    /** The trace backend's search for every trace of the order (spans tagged order.id); null without a backend. */
    traces_search_url: traces.searchUrl(order.orderId),
    lead_time_seconds: order.status === 'done' ? secondsBetween(order.firstEventAt, order.stateSince) : null,
    stays: stays.map((stay) => {
      const sla = model.state(stay.state)?.expectWithinSeconds ?? null;
      const duration = stay.durationSeconds ?? Math.max(0, secondsBetween(stay.enteredAt, now));
      return {
        state: stay.state,
        system: stay.system,
        entered_at: formatEventTime(stay.enteredAt),
        left_at: stay.leftAt === null ? null : formatEventTime(stay.leftAt),
        duration_seconds: duration,
        sla_seconds: sla,
        sla_met: sla === null ? null : stay.leftAt !== null ? duration <= sla : duration > sla ? false : null,
      };
    }),
    events: events.map((e) => ({
      event_id: e.eventId,
      source: e.source,
      state: e.state,
      occurred_at: formatEventTime(e.occurredAt),
      seq: e.seq,
      received_at: formatEventTime(e.receivedAt),
      trace_id: e.traceId,
      span_id: e.spanId,
      trace_url: traces.traceUrl(e.traceId, e.spanId),
      attributes: e.attributes,
      violation: e.violation,
    })),
    violations: events
      .filter((e) => e.violation !== null)
      .map((e) => ({ event_id: e.eventId, kind: e.violation, state: e.state, occurred_at: formatEventTime(e.occurredAt), message: e.violationDetail })),
    status_history: history.map((c) => ({
      at: formatEventTime(c.at),
      from_status: c.fromStatus,
      to_status: c.toStatus,
      state: c.state,
      reason: c.reason,
      handoff: handoffView(handoffOf(c, model)),
      deadline_at: c.deadlineAt === null ? null : formatEventTime(c.deadlineAt),
      trace_id: c.traceId,
      trace_url: traces.traceUrl(c.traceId),
    })),
    redrives: redrives.map((r) => redriveView(r)),
  };
}

/** A redrive attempt as the API shows it: in an order's timeline, and as the answer to a redrive request. */
export function redriveView(row: RedriveRow, replayed?: boolean) {
  return {
    order_id: row.orderId,
    state: row.state,
    source: row.source,
    action: row.action,
    result: row.result,
    answer: row.answer,
    requested_by: row.requestedBy,
    requested_at: formatEventTime(row.requestedAt),
    ...(replayed !== undefined && { replayed }),
  };
}

/**
 * The JSON of a lost order: where it was lost (state and owning system), why (reason, and the missed
 * handoff: which system should have picked it up, how soon, over what), since when (lost_at, when the
 * detector declared it; state_since, when it entered the state), and where to look next: the trace of
 * its last event and its timeline.
 */
export function lostOrderView(order: LostOrderRow, model: ProcessModel, traces: TraceBackend, now: Micros) {
  return {
    order_id: order.orderId,
    state: order.state,
    system: order.system,
    reason: order.reason,
    handoff: handoffView(handoffOf(order, model)),
    lost_after_seconds: model.state(order.state)?.lostAfterSeconds ?? null,
    lost_at: order.lostAt === null ? null : formatEventTime(order.lostAt),
    state_since: formatEventTime(order.stateSince),
    time_in_state_seconds: Math.max(0, secondsBetween(order.stateSince, now)),
    segment: order.segment,
    operator_id: order.operatorId,
    last_event_at: formatEventTime(order.lastEventAt),
    trace_id: order.traceId,
    trace_url: traces.traceUrl(order.traceId, order.spanId),
    traces_search_url: traces.searchUrl(order.orderId),
    timeline_url: `/v1/orders/${encodeURIComponent(order.orderId)}`,
  };
}

/** A handoff of the model as the API shows it; null for none. */
function handoffView(h: Handoff | undefined) {
  return h ? { from: h.from, to: h.to, from_system: h.fromSystem, to_system: h.toSystem, within_seconds: h.withinSeconds, via: h.via || null } : null;
}

import { formatDuration, type Logger } from '../../common';
import type { Handoff, ProcessModel } from '../../events';
import type { StatusChange } from '../store';
import { formatEventTime } from '../timeline';

/** The model's handoff a change names (a missed one), if any. */
export function handoffOf(change: Pick<StatusChange, 'state' | 'handoffTo'>, model: ProcessModel): Handoff | undefined {
  return change.handoffTo === null ? undefined : model.handoffsFrom(change.state).find((h) => h.to === change.handoffTo);
}

/** What happened, in the words on-call reads in the log. */
export function describeStatusChange(change: StatusChange, model: ProcessModel): string {
  const { orderId: id, state } = change;
  const def = model.state(state);
  if (change.reason === 'moved_on') {
    return `order ${id} ${change.toStatus === 'done' ? 'finished' : 'recovered'}: it had been ${change.fromStatus} in ${state}, and a later event moved it on`;
  }
  if (change.reason === 'expect_within') return `order ${id} is stuck in ${state}: longer than its SLA of ${formatDuration(def?.expectWithinSeconds ?? 0)} (expect_within)`;
  const handoff = handoffOf(change, model);
  if (handoff) {
    return (
      `order ${id} is lost in ${state} (${handoff.fromSystem}): ${handoff.to} (${handoff.toSystem}) did not pick it up within ${formatDuration(handoff.withinSeconds)}` +
      (handoff.via ? ` via ${handoff.via}` : '')
    );
  }
  return `order ${id} is lost in ${state} (${def?.system ?? 'unknown system'}): no event moved it on within ${formatDuration(def?.lostAfterSeconds ?? 0)} (lost_after)`;
}

/**
 * One log line per status change, with the fields to search by: order_id and trace_id (to follow the
 * order into the system that lost it), state, from and to status, reason, the handoff. A loss is a
 * warning; being stuck and coming back are information.
 */
export function logStatusChange(logger: Logger, change: StatusChange, model: ProcessModel): void {
  const fields = {
    order_id: change.orderId,
    trace_id: change.traceId,
    state: change.state,
    from_status: change.fromStatus,
    to_status: change.toStatus,
    reason: change.reason,
    ...(change.handoffTo !== null && { handoff: `${change.state} -> ${change.handoffTo}` }),
    ...(change.deadlineAt !== null && { deadline_at: formatEventTime(change.deadlineAt), late_seconds: Math.max(0, (change.at - change.deadlineAt) / 1e6) }),
  };
  const message = describeStatusChange(change, model);
  if (change.toStatus === 'lost') logger.warn(fields, message);
  else logger.info(fields, message);
}

import type { ClientBase } from 'pg';
import type { Agent, OrderAttributes } from '../../agents/node';

/**
 * The journal of state changes every service keeps in its own database: when an order entered a
 * state here, and the event_id of the order event that told orderscope. It is the service's own
 * record, which the tracker's time in state can be checked against.
 *
 * `changed_at` is read from the clock just before the event is made and `tracked_at` just after: the
 * event's occurred_at lies between the two (they are the same millisecond unless the process was
 * paused in between, e.g. preempted on a busy machine).
 */
export const STATE_CHANGES_DDL = `CREATE TABLE IF NOT EXISTS state_changes (
  order_id text NOT NULL,
  state text NOT NULL,
  changed_at timestamptz NOT NULL,
  tracked_at timestamptz NOT NULL,
  event_id uuid,
  PRIMARY KEY (order_id, state)
)`;

/**
 * Records that an order entered `state` now: in the service's journal, as an order event
 * (trackOrder, which also tags the active span with the order id) and as a log line (with the
 * span's trace_id). Call it inside the transaction that makes the change, once its guarded update
 * succeeded, as the last step before COMMIT:
 *
 * - if the process dies before COMMIT, the change did not happen, and the message or request that
 *   caused it is delivered again and makes the change (and its event) again. Tracking after COMMIT
 *   would instead lose the event for good when the process dies in between: the redelivered message
 *   would find the work done;
 * - the journal's times bracket the event's occurred_at (see {@link STATE_CHANGES_DDL}).
 */
export type RecordStateChange = (tx: ClientBase, orderId: string, state: string, attributes?: OrderAttributes) => Promise<void>;

/** The service's {@link RecordStateChange}, with its agent. */
export function stateRecorder(agent: Pick<Agent, 'trackOrder' | 'logger'>): RecordStateChange {
  return async (tx, orderId, state, attributes) => {
    const changedAt = new Date();
    const eventId = agent.trackOrder(orderId, state, attributes) ?? null;
    const trackedAt = new Date();
    await tx.query('INSERT INTO state_changes (order_id, state, changed_at, tracked_at, event_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
      orderId,
      state,
      changedAt,
      trackedAt,
      eventId,
    ]);
    agent.logger.info({ order_id: orderId, state, event_id: eventId, ...attributes }, `order ${state}`);
  };
}

/**
 * An agent that drops every order event before it leaves, counting each drop: what the shop records
 * with for an order the faultUntrackedPart toggle applies to. The journal still records the change
 * (with no event_id), so the service's own record shows what orderscope never heard of.
 */
export function droppingAgent(agent: Pick<Agent, 'logger'>, onDrop: () => void): Pick<Agent, 'trackOrder' | 'logger'> {
  return {
    logger: agent.logger,
    trackOrder: () => {
      onDrop();
      return undefined;
    },
  };
}

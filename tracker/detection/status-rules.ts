import type { Handoff, ProcessModel } from '../../events';
import type { Micros, OrderStatus } from '../timeline';

/*
 * The lost-order rules, pure: given what an order's row says (status, state, since when) and the
 * process model, when must the detector look at it next, and what does it become when it does.
 *
 *   open ──(expect_within)──► stuck ──(lost_after, or a handoff's window)──► lost
 *     ▲                          │                                            │
 *     └── recovered ◄────────────┴──────── a later event moves it on ─────────┘
 *
 * Limits count from the moment the order entered its state (event time, `state_since`) and are
 * compared with the wall clock: a deadline is `state_since + limit`. History (an order all of whose
 * events carry the backfill mark of events/backfill.ts: an import, a replay of old events) is compared
 * with event time instead: its source's history clock in the sweeper, and the stays it left in apply
 * ({@link statusesThrough}). A terminal state (done) and a
 * state the model does not know have no limits.
 */

/** Why an order was flagged or came back. */
export type StatusReason = 'expect_within' | 'lost_after' | 'handoff_missed' | 'moved_on';

/** Why an order was declared lost: the values of the `reason` label of orderscope_orders_lost_total. */
export const LOST_REASONS = ['lost_after', 'handoff_missed'] as const;
export type LostReason = (typeof LOST_REASONS)[number];

/** The statuses a recovery starts from: the values of the `from_status` label of orderscope_orders_recovered_total. */
export const FLAGGED_STATUSES = ['stuck', 'lost'] as const;
export type FlaggedStatus = (typeof FLAGGED_STATUSES)[number];

/** What the rules read of an order. */
export interface OrderStanding {
  readonly status: OrderStatus;
  readonly state: string;
  /** When the order entered `state` (event time). */
  readonly stateSince: Micros;
}

/** A limit of the state an order is in: when `at` passes, the order becomes `status`. */
export interface Deadline {
  readonly at: Micros;
  readonly status: FlaggedStatus;
  readonly reason: Exclude<StatusReason, 'moved_on'>;
  /** The handoff whose window this is (reason handoff_missed). */
  readonly handoff: Handoff | null;
}

/**
 * How far along the ladder a status is. Open and recovered are equal: a recovered order's new state
 * is watched like any other. Done is beyond every limit.
 */
const RANK: Readonly<Record<OrderStatus, number>> = { open: 0, recovered: 0, stuck: 1, lost: 2, done: 3 };

const micros = (seconds: number) => Math.round(seconds * 1e6);

/**
 * Every limit of `state` counted from `stateSince`, earliest first; at the same instant a missed
 * handoff comes before lost_after (it says more: which system did not pick the order up).
 */
export function deadlinesOf(state: string, stateSince: Micros, model: ProcessModel): Deadline[] {
  const def = model.state(state);
  if (!def || def.terminal) return [];
  const out: Deadline[] = [];
  if (def.expectWithinSeconds !== undefined) out.push({ at: stateSince + micros(def.expectWithinSeconds), status: 'stuck', reason: 'expect_within', handoff: null });
  for (const h of model.handoffsFrom(state)) out.push({ at: stateSince + micros(h.withinSeconds), status: 'lost', reason: 'handoff_missed', handoff: h });
  if (def.lostAfterSeconds !== undefined) out.push({ at: stateSince + micros(def.lostAfterSeconds), status: 'lost', reason: 'lost_after', handoff: null });
  const order: Readonly<Record<Deadline['reason'], number>> = { expect_within: 0, handoff_missed: 1, lost_after: 2 };
  return out.sort((a, b) => a.at - b.at || order[a.reason] - order[b.reason]);
}

/**
 * The nearest limit that would move the order further along than its status: the order's
 * `next_deadline_at`. Undefined when there is none (done, lost, or a state without limits). It may
 * lie in the past, e.g. for an order backfilled from old events: then it is due at once.
 */
export function nextDeadline(order: OrderStanding, model: ProcessModel): Deadline | undefined {
  return deadlinesOf(order.state, order.stateSince, model).find((d) => RANK[d.status] > RANK[order.status]);
}

/** What the sweeper does with a due order. */
export interface SweepDecision {
  /** The deadline that moved the order on (the first one to reach its new status); undefined when none passed. */
  readonly passed: Deadline | undefined;
  /** The order's status afterwards. */
  readonly status: OrderStatus;
  /** Its next deadline afterwards; always after `now`, or null. */
  readonly nextDeadlineAt: Micros | null;
}

/**
 * The order's status at wall-clock time `now`: the furthest status whose deadline has passed, reached
 * by the first deadline that reaches it (so an order overdue on every limit at once is lost for the
 * reason that came first, and is not first reported stuck). Statuses only move forward here;
 * only an event brings an order back ({@link settleAfterEvents}).
 */
export function decideAt(order: OrderStanding, model: ProcessModel, now: Micros): SweepDecision {
  let passed: Deadline | undefined;
  if (order.status !== 'done') {
    for (const d of deadlinesOf(order.state, order.stateSince, model)) {
      if (d.at > now) break;
      if (RANK[d.status] > RANK[passed?.status ?? order.status]) passed = d;
    }
  }
  const status = passed?.status ?? order.status;
  return { passed, status, nextDeadlineAt: nextDeadline({ ...order, status }, model)?.at ?? null };
}

/** What an order's new events did to its status. */
export interface Settlement {
  readonly status: OrderStatus;
  readonly nextDeadlineAt: Micros | null;
  /** Set when a stuck or lost order was moved on: the status it came back from. */
  readonly recoveredFrom: FlaggedStatus | undefined;
}

/**
 * An order's status after new events (apply): a stuck or lost order that entered a later stay has
 * recovered (or is done, in a terminal state), and its deadlines start again from its new state;
 * an order in a terminal state is done; one that left a terminal state (an event after it) is open
 * again; otherwise the status stands (a late event that does not move the order on does not
 * recover it), and the next deadline follows the stay, which a late event may have moved.
 *
 * @param before the stored status and stay; undefined for an order seen for the first time
 * @param after the stay the order is in after the events
 */
export function settleAfterEvents(before: OrderStanding | undefined, after: Omit<OrderStanding, 'status'>, model: ProcessModel): Settlement {
  const terminal = model.isTerminal(after.state);
  // The current stay is the one of the order's last event: it changes only forward in time.
  const movedOn = before !== undefined && (after.state !== before.state || after.stateSince > before.stateSince);
  let status: OrderStatus;
  let recoveredFrom: FlaggedStatus | undefined;
  if (before && movedOn && (before.status === 'stuck' || before.status === 'lost')) {
    recoveredFrom = before.status;
    status = terminal ? 'done' : 'recovered';
  } else if (terminal) status = 'done';
  else if (!before || before.status === 'done') status = 'open';
  else status = before.status;
  return { status, recoveredFrom, nextDeadlineAt: nextDeadline({ ...after, status }, model)?.at ?? null };
}

/** A flag or recovery a detector sweeping without pause would have recorded, in event time. */
export interface HistoricChange {
  readonly fromStatus: OrderStatus;
  readonly toStatus: OrderStatus;
  readonly state: string;
  readonly reason: StatusReason;
  readonly handoffTo: string | null;
  /** The limit passed (null for a recovery); also `at` for a flag. */
  readonly deadlineAt: Micros | null;
  readonly at: Micros;
}

/** A stay the order has left: its state from `enteredAt` until `leftAt` (event time). */
export interface LeftStay {
  readonly state: string;
  readonly enteredAt: Micros;
  readonly leftAt: Micros;
}

/**
 * History judged in event time (backfill): the flags and recoveries a detector sweeping without pause
 * would have recorded while the order went through `left` (the stays it left, in order), starting
 * from `before`. In each stay every limit passed before the order left it raises the status one step
 * at its own instant (stuck, then lost: history has the time for both), and leaving a stuck or lost
 * stay recovers the order. An order that leaves a state at the very instant of a limit was not late.
 *
 * The last stay's recovery is left to {@link settleAfterEvents}: `standing` is that stay with the
 * status its limits gave it, which is what settleAfterEvents takes as `before`.
 */
export function statusesThrough(before: OrderStanding | undefined, left: readonly LeftStay[], model: ProcessModel): { changes: HistoricChange[]; standing: OrderStanding | undefined } {
  const changes: HistoricChange[] = [];
  let standing = before;
  left.forEach((stay, i) => {
    const continues = standing !== undefined && standing.state === stay.state && standing.stateSince === stay.enteredAt;
    let status: OrderStatus = continues ? standing!.status : standing?.status === 'stuck' || standing?.status === 'lost' ? 'recovered' : 'open';
    if (status === 'done') status = 'open';
    for (const d of deadlinesOf(stay.state, stay.enteredAt, model)) {
      if (d.at >= stay.leftAt) break;
      if (RANK[d.status] <= RANK[status]) continue;
      changes.push({ fromStatus: status, toStatus: d.status, state: stay.state, reason: d.reason, handoffTo: d.handoff?.to ?? null, deadlineAt: d.at, at: d.at });
      status = d.status;
    }
    const next = left[i + 1];
    if (next && (status === 'stuck' || status === 'lost')) {
      changes.push({ fromStatus: status, toStatus: model.isTerminal(next.state) ? 'done' : 'recovered', state: stay.state, reason: 'moved_on', handoffTo: null, deadlineAt: null, at: stay.leftAt });
    }
    standing = { status, state: stay.state, stateSince: stay.enteredAt };
  });
  return { changes, standing };
}

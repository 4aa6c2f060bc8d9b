import { RateLimiter, type RateLimit } from '../../common';
import { describeRedrive, type ProcessModel, type Redrive } from '../../events';
import { findRedrive, finishRedrive, getOrder, orderStatusHistory, startRedrive, type Db, type RedriveRow, type OrderRow } from '../store';
import type { Micros } from '../timeline';
import { callOwner, type OwnerAnswer } from './call-owner';

/** What a redrive of one order would do: its state, the model's action and where the model names it. */
export interface RedrivePlan {
  readonly order: OrderRow;
  readonly redrive: Redrive;
  /** "handoff placed -> pricing" or "state pricing". */
  readonly source: string;
  readonly action: string;
}

/** Why an order cannot be redriven. */
export type RedriveRefusal =
  | { readonly refused: 'not_found'; readonly message: string }
  | { readonly refused: 'finished'; readonly message: string }
  | { readonly refused: 'no_action'; readonly message: string };

export type RedriveOutcome =
  | { readonly row: RedriveRow; readonly replayed: boolean }
  | RedriveRefusal
  | { readonly refused: 'rate_limited'; readonly message: string; readonly retryAfterMs: number };

export interface RedriverOptions {
  readonly db: Db;
  readonly model: ProcessModel;
  /** Redrives per second and burst, per action (one owning system's endpoint is not flooded). */
  readonly rate: RateLimit;
  /** Counts each finished redrive (orderscope_redrives_total). */
  readonly onRedrive?: (state: string, result: 'done' | 'failed') => void;
  /** The clock, in ms. */
  readonly now?: () => number;
  /** Carries out an action; the real call by default. */
  readonly call?: typeof callOwner;
}

/**
 * Redrives orders: finds the action the process model names for the order's state (the handoff it
 * missed first), records the attempt under the request's idempotency key, carries it out, and records
 * the owning system's answer. A second request with the same key for the same order acts no more: it
 * gets the first attempt back. Each action has its own rate limit.
 */
export function createRedriver(options: RedriverOptions) {
  const { db, model } = options;
  const now = options.now ?? Date.now;
  const call = options.call ?? callOwner;
  const limiter = new RateLimiter(options.rate);

  /**
   * What a redrive of `order` would do, or why there is none, from the order as the caller read it
   * and the handoff it missed (null: none, it was lost past lost_after): no read of its own, so a
   * caller that listed the orders (the lost orders behind an alert) reads each of them once.
   */
  const planOf = (order: OrderRow, missedHandoff: string | null): RedrivePlan | RedriveRefusal => {
    if (order.eventCount === 0) return { refused: 'not_found', message: `no order "${order.orderId}" has been tracked` };
    if (model.isTerminal(order.state)) return { refused: 'finished', message: `order ${order.orderId} is ${order.state}, a terminal state: there is nothing to redrive` };
    const found = model.redriveFor(order.state, missedHandoff ?? undefined);
    if (!found) {
      return { refused: 'no_action', message: `the process model names no redrive for state ${order.state}: add redrive to the state or to a handoff from it (see the README, "Recovering lost orders")` };
    }
    return { order, redrive: found.redrive, source: found.source, action: describeRedrive(found.redrive.action) };
  };

  /** What a redrive of `orderId` would do, or why there is none: reads the order and its status history. */
  const plan = async (orderId: string): Promise<RedrivePlan | RedriveRefusal> => {
    const order = await getOrder(db, orderId);
    if (!order) return { refused: 'not_found', message: `no order "${orderId}" has been tracked` };
    const missed = (await orderStatusHistory(db, orderId)).filter((c) => c.state === order.state && c.handoffTo !== null).at(-1);
    return planOf(order, missed?.handoffTo ?? null);
  };

  /**
   * Carries out a plan on behalf of `requestedBy` ("auto" for the automatic policy): the attempt is
   * recorded under the idempotency key before the owning system is called, and its answer after. A
   * key used before for the order gets that attempt back (`replayed`) and calls nothing; {@link redrive}
   * looks for it first, so that a retry is not rate limited.
   */
  const carryOut = async (planned: RedrivePlan | RedriveRefusal, idempotencyKey: string, requestedBy: string): Promise<RedriveOutcome> => {
    if ('refused' in planned) return planned;
    const { order, redrive: { action }, source } = planned;
    const orderId = order.orderId;
    const requestedAt: Micros = now() * 1000;
    const taken = limiter.take(planned.action, 1, now());
    if (!taken.allowed) {
      return { refused: 'rate_limited', message: `redrives of ${planned.action} are limited to ${options.rate.eventsPerSecond} a second; try again in ${Math.ceil(taken.retryAfterMs / 1000)} s`, retryAfterMs: taken.retryAfterMs };
    }
    const started = await startRedrive(db, { orderId, state: order.state, source, action: planned.action, idempotencyKey, requestedBy, requestedAt });
    if (!started.created) return { row: started.row, replayed: true };
    const answer: OwnerAnswer = await call(action, orderId, order.state);
    const result = answer.ok ? 'done' : 'failed';
    const row = await finishRedrive(db, started.row.id, result, answer.answer);
    options.onRedrive?.(order.state, result);
    return { row, replayed: false };
  };

  /**
   * Redrives one order on behalf of `requestedBy`: reads it, plans, carries out. A retried request
   * gets its first attempt back, whatever the rate limit says now and wherever the order has gone
   * since (a retry after a lost answer often comes once the redrive has worked).
   */
  const redrive = async (orderId: string, idempotencyKey: string, requestedBy: string): Promise<RedriveOutcome> => {
    const earlier = await findRedrive(db, orderId, idempotencyKey);
    if (earlier) return { row: earlier, replayed: true };
    return carryOut(await plan(orderId), idempotencyKey, requestedBy);
  };

  return { plan, planOf, carryOut, redrive };
}

export type Redriver = ReturnType<typeof createRedriver>;

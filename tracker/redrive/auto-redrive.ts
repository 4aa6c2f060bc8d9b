import type { Logger } from '../../common';
import type { ProcessModel } from '../../events';
import { autoRedriveCounts, historyOrders, listLostOrders, type Db } from '../store';
import type { Redriver } from './redriver';

export interface AutoRedriveOptions {
  readonly db: Db;
  readonly model: ProcessModel;
  readonly redriver: Redriver;
  /** Time between rounds; 0: never runs. */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** The clock, in ms. */
  readonly now?: () => number;
}

/** Lost orders looked at per round and state, at most: a round stays short; the next takes the rest. */
const PER_ROUND = 200;

/**
 * The automatic redrive policy: every interval, each lost order whose redrive has `auto` in the model
 * is redriven, at most `attempts` times while it stays in its state, `backoff` apart, on behalf of
 * "auto" (in its audit trail like any other attempt). Off unless the model asks for it.
 */
export function createAutoRedrive(options: AutoRedriveOptions) {
  const { db, model, redriver, logger } = options;
  const now = options.now ?? Date.now;
  const states = model.openStates().filter((s) => [...model.handoffsFrom(s.name).map((h) => h.redrive), s.redrive].some((r) => r?.auto));
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<number> | undefined;
  let closed = false;

  /** One round; resolves to how many orders it redrove. */
  const runOnce = async (): Promise<number> => {
    let redriven = 0;
    for (const state of states) {
      const listed = await listLostOrders(db, { state: state.name }, undefined, PER_ROUND);
      // A backfill's lost orders are last year's: nothing to redrive in the owning systems today.
      const past = await historyOrders(db, listed.map((o) => o.orderId));
      const lost = listed.filter((o) => !past.has(o.orderId));
      const counts = await autoRedriveCounts(db, lost.map((o) => o.orderId));
      for (const order of lost) {
        // Planned from the listed row (one read of each order per round): an order that moves on
        // meanwhile is redriven once more at worst, which `auto` allows only where that is safe.
        const plan = redriver.planOf(order, order.handoffTo);
        if ('refused' in plan || !plan.redrive.auto) continue;
        const done = counts.get(order.orderId);
        const attempts = done?.attempts ?? 0;
        if (attempts >= plan.redrive.auto.attempts) continue;
        if (done && now() * 1000 - done.lastAt < plan.redrive.auto.backoffSeconds * 1_000_000) continue;
        const outcome = await redriver.carryOut(plan, `auto:${order.stateSince}:${attempts + 1}`, 'auto');
        if ('row' in outcome && !outcome.replayed) redriven++;
      }
    }
    return redriven;
  };

  const tick = () => {
    round = runOnce().catch((err: unknown) => {
      logger.error({ err }, 'the automatic redrive round failed; the next one, an interval later, tries again');
      return 0;
    });
    void round.finally(() => {
      if (!closed) timer = setTimeout(tick, options.intervalMs).unref();
    });
  };

  return {
    runOnce,
    /** Starts the rounds (when the model asks for any and the interval is not 0). Once. */
    start(): void {
      if (timer || closed || states.length === 0 || options.intervalMs === 0) return;
      timer = setTimeout(tick, options.intervalMs).unref();
    },
    /** Stops the rounds and waits for the one running. Safe to call twice. */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      await round;
    },
  };
}

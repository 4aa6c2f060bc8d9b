import type { ProcessModel } from '../../events';
import { backtestCounts, type Sql, type StateLimits } from '../store';
import type { Micros } from '../timeline';

/** What one model's limits would have done over a window of history, per state. */
export interface BacktestResult {
  readonly model: string;
  readonly states: readonly {
    readonly state: string;
    /** What people call the state (its label, else its name). */
    readonly label: string;
    /** Distinct orders that would have been flagged stuck / lost in the window. */
    readonly stuck: number;
    readonly lost: number;
    /** OrderLost pages: the state's alert group going from resolved to firing in the window. */
    readonly pages: number;
    /** OrdersStuck tickets: likewise, for the state's stuck-orders alert. */
    readonly tickets: number;
    /** The SLO's share of stays that left within its window (stays that ended in the window), and its objective. */
    readonly slo: { readonly objective: number; readonly met: number | null } | null;
  }[];
}

export interface BacktestWindow {
  readonly from: Micros;
  readonly to: Micros;
  /** Now: an order's current stay is taken to last until the earlier of `to` and now. */
  readonly now: Micros;
  /** How long OrderLost stays firing after a loss (alert option lostWindow), in µs. */
  readonly lostWindow: Micros;
  /** How long orders must stay stuck before OrdersStuck fires (alert option stuckFor), in µs. */
  readonly stuckFor: Micros;
}

/** The limits of each open state of `model`, as the backtest replays them (see statusesThrough: lost at the first of lost_after and the handoffs). */
export function limitsOf(model: ProcessModel): StateLimits[] {
  return model.openStates().map((s) => {
    const lost = [s.lostAfterSeconds, ...model.handoffsFrom(s.name).map((h) => h.withinSeconds)].filter((v): v is number => v !== undefined);
    return {
      state: s.name,
      expectSeconds: s.expectWithinSeconds ?? null,
      lostSeconds: lost.length > 0 ? Math.min(...lost) : null,
      sloSeconds: model.sloFor(s.name)?.withinSeconds ?? null,
    };
  });
}

/**
 * Replays `model`'s limits over the stored history, in event time, as the detector judges history
 * (statusesThrough): which orders each state would have flagged, how many notifications the alerts
 * generated from the model would have sent (exactly, from the flags' instants: see
 * store/backtest-counts.ts for what one is), and each SLO's compliance. Aggregated in the database:
 * memory holds a row per state, whatever the history's size. The same history gives the same answer,
 * so two models compare side by side.
 */
export async function backtest(sql: Sql, model: ProcessModel, w: BacktestWindow): Promise<BacktestResult> {
  const counts = await backtestCounts(sql, limitsOf(model), {
    from: w.from,
    to: w.to,
    openUntil: Math.min(w.to, w.now),
    lostWindowSeconds: w.lostWindow / 1e6,
    stuckForSeconds: w.stuckFor / 1e6,
  });
  return {
    model: model.name,
    states: counts.map((c) => {
      const objective = model.sloFor(c.state);
      return {
        state: c.state,
        label: model.labelOf(c.state),
        stuck: c.stuck,
        lost: c.lost,
        pages: c.pages,
        tickets: c.tickets,
        slo: objective ? { objective: objective.objective, met: c.sloStays > 0 ? c.sloWithin / c.sloStays : null } : null,
      };
    }),
  };
}

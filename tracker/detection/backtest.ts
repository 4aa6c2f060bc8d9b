import type { ProcessModel } from '../../events';
import type { Micros } from '../timeline';
import { statusesThrough } from './status-rules';

/** A stay from history: closed (`leftAt`) or still open (null: it lasts until the backtest's end). */
export interface HistoricStay {
  readonly orderId: string;
  readonly state: string;
  readonly enteredAt: Micros;
  readonly leftAt: Micros | null;
}

/** What one model's limits would have done over a window of history, per state and in all. */
export interface BacktestResult {
  readonly model: string;
  readonly states: readonly {
    readonly state: string;
    /** Distinct orders that would have been flagged stuck / lost in the window. */
    readonly stuck: number;
    readonly lost: number;
    /** OrderLost pages: a loss pages unless one of this state and reason paged within `lostWindow` before. */
    readonly pages: number;
    /** OrdersStuck tickets: runs of time with an order stuck in the state, each lasting `stuckFor` at least. */
    readonly tickets: number;
    /** The SLO's share of stays that left within its window (stays that ended in the window), and its objective. */
    readonly slo: { readonly objective: number; readonly met: number | null } | null;
  }[];
}

export interface BacktestWindow {
  readonly from: Micros;
  readonly to: Micros;
  /** How long OrderLost stays firing after a loss (alert option lostWindow), in µs. */
  readonly lostWindow: Micros;
  /** How long orders must stay stuck before OrdersStuck fires (alert option stuckFor), in µs. */
  readonly stuckFor: Micros;
}

/**
 * Replays `model`'s limits over stays from history, in event time, as a detector sweeping without
 * pause would have judged them (statusesThrough): which orders each state would have flagged, how
 * many pages and tickets the generated alerts would have sent (approximated from the flags: one page
 * per loss that finds no page of its state and reason within lostWindow before it; one ticket per
 * run of stuck orders lasting stuckFor), and each SLO's compliance. Pure: the same stays give the
 * same answer, so two models compare side by side.
 */
export function backtest(model: ProcessModel, stays: readonly HistoricStay[], w: BacktestWindow): BacktestResult {
  const perState = new Map<string, { stuck: Set<string>; lost: Set<string>; losses: { at: Micros; reason: string }[]; stuckRuns: [Micros, Micros][] }>();
  const slo = new Map<string, { within: number; all: number }>();
  for (const stay of stays) {
    const def = model.state(stay.state);
    if (!def || def.terminal) continue;
    const end = stay.leftAt ?? w.to;
    const { changes } = statusesThrough(undefined, [{ state: stay.state, enteredAt: stay.enteredAt, leftAt: end }], model);
    const s = perState.get(stay.state) ?? { stuck: new Set(), lost: new Set(), losses: [], stuckRuns: [] };
    perState.set(stay.state, s);
    for (const c of changes) {
      if (c.at < w.from || c.at >= w.to) continue;
      if (c.toStatus === 'stuck') s.stuck.add(stay.orderId);
      if (c.toStatus === 'lost') {
        s.lost.add(stay.orderId);
        s.losses.push({ at: c.at, reason: c.reason });
      }
    }
    // An order counts as stuck from its SLA until it leaves (or is lost: the gauge counts stuck only).
    const stuckAt = changes.find((c) => c.toStatus === 'stuck')?.at;
    if (stuckAt !== undefined) {
      const until = Math.min(changes.find((c) => c.toStatus === 'lost')?.at ?? end, end, w.to);
      if (until > Math.max(stuckAt, w.from)) s.stuckRuns.push([Math.max(stuckAt, w.from), until]);
    }
    const objective = model.sloFor(stay.state);
    if (objective && stay.leftAt !== null && stay.leftAt >= w.from && stay.leftAt < w.to) {
      const counts = slo.get(stay.state) ?? { within: 0, all: 0 };
      counts.all++;
      if (stay.leftAt - stay.enteredAt <= objective.withinSeconds * 1e6) counts.within++;
      slo.set(stay.state, counts);
    }
  }
  return {
    model: model.name,
    states: model.openStates().map((def) => {
      const s = perState.get(def.name);
      const objective = model.sloFor(def.name);
      const counts = slo.get(def.name);
      return {
        state: def.name,
        stuck: s?.stuck.size ?? 0,
        lost: s?.lost.size ?? 0,
        pages: s ? pagesOf(s.losses, w.lostWindow) : 0,
        tickets: s ? ticketsOf(s.stuckRuns, w.stuckFor) : 0,
        slo: objective ? { objective: objective.objective, met: counts ? counts.within / counts.all : null } : null,
      };
    }),
  };
}

/** Losses of one state as pages: a loss pages unless the same reason paged within `window` before it. */
function pagesOf(losses: readonly { at: Micros; reason: string }[], window: Micros): number {
  const last = new Map<string, Micros>();
  let pages = 0;
  for (const l of [...losses].sort((a, b) => a.at - b.at)) {
    const previous = last.get(l.reason);
    if (previous === undefined || l.at - previous > window) pages++;
    // The alert keeps firing while losses keep coming: the window runs from the latest one.
    last.set(l.reason, l.at);
  }
  return pages;
}

/** Stuck intervals merged into runs with at least one order stuck; a run of `stuckFor` or longer is a ticket. */
function ticketsOf(runs: readonly [Micros, Micros][], stuckFor: Micros): number {
  let tickets = 0;
  let current: [Micros, Micros] | undefined;
  for (const [a, b] of [...runs].sort((x, y) => x[0] - y[0])) {
    if (current && a <= current[1]) current[1] = Math.max(current[1], b);
    else {
      if (current && current[1] - current[0] >= stuckFor) tickets++;
      current = [a, b];
    }
  }
  if (current && current[1] - current[0] >= stuckFor) tickets++;
  return tickets;
}

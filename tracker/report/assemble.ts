import type { ProcessModel } from '../../events';
import { formatEventTime, type Micros } from '../timeline';
import { daysOf } from './period';
import type { FinishedGroupRow, FlagCountRow, LeadTimeBinRow, LostOrderRow, OperatorLatencyRow, QueryWindow, SlowOrderRow, StateLatencyRow } from './queries';
import { byModelOrder, type ReportStates } from './report-states';
import type { DayRow, LatencyReport, LeadTimeBin, LeadTimeByEnd, OperatorSection, ReportMethod, SegmentRow, StateLatency, StaysCounted } from './types';

/** What the report's statements returned (see queries.ts), one field per section. */
export interface ReportRows {
  readonly states: readonly StateLatencyRow[];
  readonly finished: readonly FinishedGroupRow[];
  readonly bins: readonly LeadTimeBinRow[];
  readonly slowest: readonly SlowOrderRow[];
  readonly operators: readonly OperatorLatencyRow[];
  readonly flags: readonly FlagCountRow[];
  readonly lost: readonly LostOrderRow[];
}

export interface ReportContext {
  readonly model: ProcessModel;
  readonly roles: ReportStates;
  readonly window: QueryWindow;
  readonly generatedAt: Micros;
  readonly staysCounted: StaysCounted;
  /** The lead-time bin bounds the histogram statement used. */
  readonly binBounds: readonly number[];
  /** How the rows were computed, and the error bound of that method (see {@link LatencyReport}). */
  readonly method: ReportMethod;
  readonly relativeError: number;
}

/**
 * Builds the report from the rows of its statements: no I/O, every figure either taken from the rows
 * as they are (counts, percentiles) or a plain ratio of such figures, so that the report and the
 * database always agree. The rows are the same whichever method computed them.
 */
export function assembleReport(rows: ReportRows, ctx: ReportContext): LatencyReport {
  const { model, roles, window } = ctx;
  const flags = indexFlags(rows.flags);
  const states = stateRows(rows.states, flags.byState, model, roles);
  const ends = endRows(rows.finished, model, roles);
  const completed = ends.find((e) => e.completed);
  const staysJudged = sum(states, (s) => s.withinSla + s.missedSla);
  const staysWithinSla = sum(states, (s) => s.withinSla);

  return {
    model: model.name,
    method: ctx.method,
    relativeError: ctx.relativeError,
    period: { from: formatEventTime(window.from), to: formatEventTime(window.to) },
    measuredUntil: formatEventTime(window.measuredUntil),
    generatedAt: formatEventTime(ctx.generatedAt),
    staysCounted: ctx.staysCounted,
    empty: states.every((s) => s.stays === 0) && ends.length === 0 && flags.all.stuck === 0 && flags.all.lost === 0,
    summary: {
      ordersCompleted: completed?.orders ?? 0,
      ordersEndedOtherwise: sum(ends.filter((e) => !e.completed), (e) => e.orders),
      leadTimeP50Seconds: completed?.p50Seconds ?? null,
      leadTimeP90Seconds: completed?.p90Seconds ?? null,
      staysJudged,
      staysWithinSla,
      withinSlaShare: ratio(staysWithinSla, staysJudged),
      ordersStuck: flags.all.stuck,
      ordersLost: flags.all.lost,
    },
    states,
    leadTime: { completedState: roles.completed, byEnd: ends, histogram: histogram(rows.bins, ctx.binBounds, roles.completed) },
    slowest: rows.slowest.map((o) => ({
      orderId: o.orderId,
      endState: o.endState,
      segment: o.segment,
      operatorId: o.operatorId,
      startedAt: formatEventTime(o.startedAt),
      finishedAt: formatEventTime(o.finishedAt),
      leadTimeSeconds: o.leadTimeSeconds,
      longestState: o.longestState,
      longestStateSeconds: o.longestStateSeconds,
    })),
    lost: {
      total: rows.lost[0]?.total ?? 0,
      orders: rows.lost.map((l) => ({
        orderId: l.orderId,
        state: l.state,
        system: model.state(l.state)?.system ?? null,
        reason: l.reason,
        handoffTo: l.handoffTo,
        handoffVia: l.handoffTo === null ? null : (model.handoffsFrom(l.state).find((h) => h.to === l.handoffTo)?.via ?? null),
        lostAfterSeconds: model.state(l.state)?.lostAfterSeconds ?? null,
        lostAt: formatEventTime(l.lostAt),
        segment: l.segment,
        operatorId: l.operatorId,
        statusNow: l.statusNow,
        traceId: l.traceId,
      })),
    },
    segments: segmentRows(rows.finished, flags.bySegment, roles),
    operators: operatorSection(rows.operators, model, roles),
    days: dayRows(rows.finished, window, roles),
  };
}

type Counts = { stuck: number; lost: number };

function indexFlags(rows: readonly FlagCountRow[]) {
  const byState = new Map<string, Counts>();
  const bySegment = new Map<string | null, Counts>();
  let all: Counts = { stuck: 0, lost: 0 };
  for (const r of rows) {
    const counts = { stuck: r.stuck, lost: r.lost };
    if (r.by === 'all') all = counts;
    else if (r.by === 'state' && r.state !== null) byState.set(r.state, counts);
    else if (r.by === 'segment') bySegment.set(r.segment, counts);
  }
  return { all, byState, bySegment };
}

/** Every state of the model that is not terminal, in model order, then states only the data knows. */
function stateRows(rows: readonly StateLatencyRow[], flags: ReadonlyMap<string, Counts>, model: ProcessModel, roles: ReportStates): StateLatency[] {
  const byState = new Map(rows.map((r) => [r.state, r]));
  const names = new Set([...model.states.filter((s) => !s.terminal).map((s) => s.name), ...byState.keys(), ...flags.keys()]);
  return [...names]
    .filter((name) => !roles.terminal.includes(name))
    .sort(byModelOrder(model))
    .map((name) => {
      const r = byState.get(name);
      const def = model.state(name);
      const sla = def?.expectWithinSeconds ?? null;
      return {
        state: name,
        label: model.labelOf(name),
        system: def?.system ?? null,
        slaSeconds: sla,
        stays: r?.stays ?? 0,
        openStays: r?.openStays ?? 0,
        p50Seconds: r?.percentiles[0] ?? null,
        p90Seconds: r?.percentiles[1] ?? null,
        p99Seconds: r?.percentiles[2] ?? null,
        meanSeconds: r?.meanSeconds ?? null,
        withinSla: r?.withinSla ?? 0,
        missedSla: r?.missedSla ?? 0,
        withinSlaShare: sla === null || !r ? null : ratio(r.withinSla, r.withinSla + r.missedSla),
        stuck: flags.get(name)?.stuck ?? 0,
        lost: flags.get(name)?.lost ?? 0,
      };
    });
}

/** Lead time per terminal state: the completed state first, then the others in model order. */
function endRows(rows: readonly FinishedGroupRow[], model: ProcessModel, roles: ReportStates): LeadTimeByEnd[] {
  const order = byModelOrder(model);
  return rows
    .filter((r) => r.by === 'end')
    .map((r) => ({
      endState: r.endState,
      completed: r.endState === roles.completed,
      orders: r.orders,
      p50Seconds: r.percentiles[0],
      p90Seconds: r.percentiles[1],
      p99Seconds: r.percentiles[2],
    }))
    .sort((a, b) => Number(b.completed) - Number(a.completed) || order(a.endState, b.endState));
}

/**
 * The lead-time histogram: bin i of width_bucket is [bounds[i-1], bounds[i]) (from 0 for the first,
 * open-ended for the last). Empty bins before the first and after the last non-empty one are dropped,
 * except one on each side, which shows where the distribution starts and ends.
 */
export function histogram(rows: readonly LeadTimeBinRow[], bounds: readonly number[], completedState: string | null): LeadTimeBin[] {
  const bins: LeadTimeBin[] = Array.from({ length: bounds.length + 1 }, (_, i) => ({
    fromSeconds: i === 0 ? 0 : bounds[i - 1]!,
    toSeconds: i < bounds.length ? bounds[i]! : null,
    completed: 0,
    endedOtherwise: 0,
  }));
  for (const r of rows) {
    const bin = bins[r.bin]!;
    bins[r.bin] = r.endState === completedState ? { ...bin, completed: bin.completed + r.orders } : { ...bin, endedOtherwise: bin.endedOtherwise + r.orders };
  }
  const used = bins.map((b, i) => (b.completed + b.endedOtherwise > 0 ? i : -1)).filter((i) => i >= 0);
  if (used.length === 0) return [];
  return bins.slice(Math.max(0, used[0]! - 1), Math.min(bins.length, used[used.length - 1]! + 2));
}

/** Per segment: finished orders, lead time of the completed ones, and flags; segments by name, none last. */
function segmentRows(rows: readonly FinishedGroupRow[], flags: ReadonlyMap<string | null, Counts>, roles: ReportStates): SegmentRow[] {
  const bySegment = rows.filter((r) => r.by === 'segment');
  const segments = [...new Set([...bySegment.map((r) => r.segment), ...flags.keys()])].sort(nullsLast);
  return segments.map((segment) => {
    const mine = bySegment.filter((r) => r.segment === segment);
    const completed = mine.find((r) => r.endState === roles.completed);
    return {
      segment,
      ordersCompleted: completed?.orders ?? 0,
      ordersEndedOtherwise: sum(mine.filter((r) => r !== completed), (r) => r.orders),
      leadTimeP50Seconds: completed?.percentiles[0] ?? null,
      leadTimeP90Seconds: completed?.percentiles[1] ?? null,
      leadTimeP99Seconds: completed?.percentiles[2] ?? null,
      stuck: flags.get(segment)?.stuck ?? 0,
      lost: flags.get(segment)?.lost ?? 0,
    };
  });
}

/** Operators by orders handled, most first: the fairness view. */
function operatorSection(rows: readonly OperatorLatencyRow[], model: ProcessModel, roles: ReportStates): OperatorSection {
  const total = sum(rows, (r) => r.orders);
  const state = roles.confirmation;
  return {
    confirmationState: state,
    slaSeconds: state === null ? null : (model.state(state)?.expectWithinSeconds ?? null),
    rows: [...rows]
      .sort((a, b) => b.orders - a.orders || nullsLast(a.operatorId, b.operatorId))
      .map((r) => ({
        operatorId: r.operatorId,
        orders: r.orders,
        shareOfOrders: r.orders / total,
        timeToConfirmP50Seconds: r.percentiles[0],
        timeToConfirmP90Seconds: r.percentiles[1],
        withinSlaShare: ratio(r.withinSla, r.withinSla + r.missedSla),
      })),
  };
}

/** Every UTC day of the period, also the days nothing finished (a trend line needs its zeros). */
function dayRows(rows: readonly FinishedGroupRow[], window: QueryWindow, roles: ReportStates): DayRow[] {
  const byDay = rows.filter((r) => r.by === 'day');
  return daysOf(window).map((day) => {
    const mine = byDay.filter((r) => r.day === day);
    const completed = mine.find((r) => r.endState === roles.completed);
    return {
      day,
      ordersCompleted: completed?.orders ?? 0,
      ordersEndedOtherwise: sum(mine.filter((r) => r !== completed), (r) => r.orders),
      leadTimeP50Seconds: completed?.percentiles[0] ?? null,
      leadTimeP90Seconds: completed?.percentiles[1] ?? null,
    };
  });
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((acc, item) => acc + value(item), 0);
}

/** part / whole, null when there is no whole. */
function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

function nullsLast(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

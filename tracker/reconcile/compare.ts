/**
 * Reconciliation, the pure part: what the source systems hold against what the tracker saw, over one
 * window. No I/O; the rows come from source-tables.ts and tracker-side.ts.
 *
 * ```
 *                     tracker has the order        tracker never saw it
 *   a source has it   same state: fine             missing   (after the grace period)
 *                     other state: diverged (after the grace period)
 *   no source has it  orphan (after the grace)     -
 * ```
 * and, from the tracker's events alone, duplicated: one step of an order reported by two systems.
 */
import { groupBy } from '../../common';
import type { Micros } from '../timeline';

/** What a reconciliation reports. */
export const DISCREPANCY_KINDS = ['missing', 'orphan', 'diverged', 'duplicated'] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** What a source's value of the state column means, as the pg-outbox sidecar's value map resolves it. */
export type ResolvedValue = { kind: 'state'; state: string } | { kind: 'ignored' } | { kind: 'unmapped' };

/** One row of a source table. */
export interface SourceRow {
  /** The source's name (reconcile.sources[].name). */
  readonly source: string;
  readonly orderId: string;
  /** The state column's value, as text. */
  readonly value: string;
  /** The updated-at column; null when the source has none. */
  readonly updatedAt: Micros | null;
}

/** One order as the tracker holds it. */
export interface TrackedOrder {
  readonly orderId: string;
  readonly state: string;
  readonly stateSince: Micros;
  readonly firstEventAt: Micros;
  readonly lastEventAt: Micros;
}

/** One event the tracker stored. */
export interface SeenEvent {
  readonly orderId: string;
  readonly state: string;
  readonly source: string;
  readonly eventId: string;
  readonly occurredAt: Micros;
  readonly seq: number;
}

/** What one source holds of an order. */
export interface SourceHolding {
  readonly source: string;
  /** The state column's value; null for duplicated (the source of an event, not a table row). */
  readonly value: string | null;
  /** The model state the value maps to; null when the value map does not know it. */
  readonly state: string | null;
}

/** One order that does not reconcile. */
export interface Discrepancy {
  readonly kind: DiscrepancyKind;
  readonly orderId: string;
  /** The tracker's current state (missing: null); duplicated: the state reported twice. */
  readonly state: string | null;
  /** missing, diverged: each source that holds the order; duplicated: each source that reported the step; orphan: none. */
  readonly sources: readonly SourceHolding[];
  /** When the difference began as far as the data tells; null when a source has no updated-at column. */
  readonly since: Micros | null;
  /** duplicated: the events of the step, in event-time order; otherwise empty. */
  readonly eventIds: readonly string[];
}

export interface ReconcileInput {
  /** [from, to) in microseconds. */
  readonly window: { readonly from: Micros; readonly to: Micros };
  readonly now: Micros;
  readonly graceMicros: Micros;
  /** Each source's value map; a source without updated-at column is listed in `undated`. */
  readonly resolve: (source: string, value: string) => ResolvedValue;
  readonly undated: ReadonlySet<string>;
  /** The rows of the candidate orders in every source. */
  readonly sourceRows: readonly SourceRow[];
  /** The tracker's candidate orders. */
  readonly trackedOrders: readonly TrackedOrder[];
  /** The tracker's events in the window (of the orders that may hold a duplicate). */
  readonly events: readonly SeenEvent[];
}

/**
 * Compares the sources with the tracker over a window. An order is **in the window** when a source
 * row of it was updated in [from, to) (every row of a source without updated-at column is), or when
 * its last event in the tracker is in [from, to). For each such order:
 *
 * - **missing**: a source holds it with a value that is tracked (not `ignore`d), the tracker has no
 *   order of that id, and the newest such row was updated more than the grace period before `now`
 *   (a source without updated-at column: at once). `since` is that row's update.
 * - **orphan**: the tracker has it, no source holds it (in any state), and its first event is more
 *   than the grace period before `now`. `since` is that first event.
 * - **diverged**: both have it, at least one source holds a tracked value, no source's value maps to
 *   the tracker's current state (an unmapped value never does), and both sides have stayed as they are
 *   for more than the grace period: `since` = the later of the tracker's `state_since` and the newest
 *   source row's update.
 *
 * "More than": a difference exactly as old as the grace period is not reported yet.
 *
 * - **duplicated**: among the tracker's events whose occurred_at is in [from, to), one order's events
 *   in event-time order (occurred_at, seq, event_id) fall into runs of one state; a run is a step of
 *   the order, and a run whose events come from two or more different `source`s is that step reported
 *   twice (e.g. by the SDK and by the pg-outbox sidecar). Its distinct event ids are listed. A run of
 *   one source is not: the same source repeating a state is a retry or a loop the model allows, and an
 *   event received twice with one event_id is stored once. No grace period: the events are in.
 *
 * Results in the order of {@link DISCREPANCY_KINDS}, each by order id (then event time).
 */
export function reconcile(input: ReconcileInput): Discrepancy[] {
  const { from, to } = input.window;
  const inWindow = (at: Micros | null) => at !== null && at >= from && at < to;
  const beyondGrace = (since: Micros | null) => since === null || input.now - since > input.graceMicros;

  const rowsById = groupBy(input.sourceRows, (r) => r.orderId);
  const tracked = new Map(input.trackedOrders.map((o) => [o.orderId, o]));
  const candidates = new Set<string>();
  for (const r of input.sourceRows) if (input.undated.has(r.source) || inWindow(r.updatedAt)) candidates.add(r.orderId);
  for (const o of input.trackedOrders) if (inWindow(o.lastEventAt)) candidates.add(o.orderId);

  const found: Discrepancy[] = [];
  for (const orderId of [...candidates].sort(compareText)) {
    const order = tracked.get(orderId);
    const rows = rowsById.get(orderId) ?? [];
    const holdings = rows
      .map((r) => ({ row: r, resolved: input.resolve(r.source, r.value) }))
      .filter((h) => h.resolved.kind !== 'ignored')
      .map((h) => ({ row: h.row, holding: { source: h.row.source, value: h.row.value, state: h.resolved.kind === 'state' ? h.resolved.state : null } }));
    if (order === undefined) {
      if (holdings.length === 0) continue;
      const since = newestUpdate(holdings.map((h) => h.row));
      if (beyondGrace(since)) found.push({ kind: 'missing', orderId, state: null, sources: holdings.map((h) => h.holding), since, eventIds: [] });
    } else if (rows.length === 0) {
      if (beyondGrace(order.firstEventAt)) found.push({ kind: 'orphan', orderId, state: order.state, sources: [], since: order.firstEventAt, eventIds: [] });
    } else if (holdings.length > 0 && !holdings.some((h) => h.holding.state === order.state)) {
      const sourceSince = newestUpdate(holdings.map((h) => h.row));
      const since = sourceSince === null ? order.stateSince : Math.max(sourceSince, order.stateSince);
      if (beyondGrace(since)) found.push({ kind: 'diverged', orderId, state: order.state, sources: holdings.map((h) => h.holding), since, eventIds: [] });
    }
  }
  const byKind = (kind: DiscrepancyKind) => found.filter((d) => d.kind === kind);
  return [...byKind('missing'), ...byKind('orphan'), ...byKind('diverged'), ...duplicatedSteps(input.events.filter((e) => inWindow(e.occurredAt)))];
}

/** How many of each kind, every kind present (0 when none). */
export function countByKind(found: readonly Discrepancy[]): Record<DiscrepancyKind, number> {
  const counts = Object.fromEntries(DISCREPANCY_KINDS.map((k) => [k, 0])) as Record<DiscrepancyKind, number>;
  for (const d of found) counts[d.kind] += 1;
  return counts;
}

/** The duplicated steps among `events` (see {@link reconcile}). */
function duplicatedSteps(events: readonly SeenEvent[]): Discrepancy[] {
  const ordered = [...events].sort((a, b) => compareText(a.orderId, b.orderId) || a.occurredAt - b.occurredAt || a.seq - b.seq || compareText(a.eventId, b.eventId));
  const found: Discrepancy[] = [];
  let run: SeenEvent[] = [];
  const close = () => {
    const sources = [...new Set(run.map((e) => e.source))].sort(compareText);
    if (sources.length > 1) {
      const first = run[0]!;
      found.push({ kind: 'duplicated', orderId: first.orderId, state: first.state, sources: sources.map((source) => ({ source, value: null, state: first.state })), since: first.occurredAt, eventIds: [...new Set(run.map((e) => e.eventId))] });
    }
    run = [];
  };
  for (const e of ordered) {
    const last = run[run.length - 1];
    if (last && (last.orderId !== e.orderId || last.state !== e.state)) close();
    run.push(e);
  }
  close();
  return found;
}

function newestUpdate(rows: readonly SourceRow[]): Micros | null {
  let newest: Micros | null = null;
  for (const r of rows) {
    if (r.updatedAt === null) return null;
    newest = newest === null ? r.updatedAt : Math.max(newest, r.updatedAt);
  }
  return newest;
}

/** Code-point order, the same on every machine (localeCompare is not). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

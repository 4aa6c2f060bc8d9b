import type { Db } from '../store';
import type { Micros } from '../timeline';
import { countByKind, reconcile, type Discrepancy, type DiscrepancyKind, type SourceRow } from './compare';
import { openSourceReader, resolverOf, type SourceReader, type SourceTable } from './source-tables';
import { eventsOfDuplicateSuspects, trackedOrdersInWindow, trackedOrdersOf } from './tracker-side';

/** The result of one reconciliation. */
export interface Reconciliation {
  readonly window: { readonly from: Micros; readonly to: Micros };
  readonly generatedAt: Micros;
  readonly graceSeconds: number;
  /** The sources compared, by name. */
  readonly sources: readonly string[];
  readonly counts: Readonly<Record<DiscrepancyKind, number>>;
  readonly discrepancies: readonly Discrepancy[];
}

export interface RunReconcileOptions {
  /** The tracker's database (read only). */
  readonly tracker: Db;
  readonly sources: readonly SourceTable[];
  readonly window: { readonly from: Micros; readonly to: Micros };
  readonly now: Micros;
  readonly graceMs: number;
  /** Called before each step and once at the end (index = total), for a progress bar. */
  readonly onStep?: (index: number, total: number, step: string) => void;
  /** How a source is opened (default: {@link openSourceReader}). */
  readonly openReader?: (table: SourceTable) => Promise<SourceReader>;
}

/**
 * Reads the window's rows of every source and the tracker's orders and events, and compares them
 * ({@link reconcile}). Reads only: the sources through read-only sessions, the tracker in one
 * read-only transaction. Every connection it opens is closed before it returns or throws.
 */
export async function runReconcile(options: RunReconcileOptions): Promise<Reconciliation> {
  const { from, to } = options.window;
  const open = options.openReader ?? ((t: SourceTable) => openSourceReader(t));
  const total = options.sources.length * 2 + 2;
  let index = 0;
  const step = (label: string) => options.onStep?.(index++, total, label);
  const readers: SourceReader[] = [];
  try {
    const windowRows: SourceRow[][] = [];
    for (const table of options.sources) {
      step(`reading ${table.name} (${table.table.text})`);
      const reader = await open(table);
      readers.push(reader);
      windowRows.push(await reader.rowsInWindow(from, to));
    }
    step('reading the tracker');
    const { trackedOrders, events } = await options.tracker.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const inWindow = await trackedOrdersInWindow(tx, from, to);
      const known = new Set(inWindow.map((o) => o.orderId));
      const fromSources = [...new Set(windowRows.flat().map((r) => r.orderId))].filter((id) => !known.has(id));
      return { trackedOrders: [...inWindow, ...(await trackedOrdersOf(tx, fromSources))], events: await eventsOfDuplicateSuspects(tx, from, to) };
    });
    // Each source's rows of the tracker's orders that its window did not bring (orphan or not?).
    const sourceRows: SourceRow[] = [];
    for (const [i, table] of options.sources.entries()) {
      step(`looking up the tracker's orders in ${table.name}`);
      const have = new Set(windowRows[i]!.map((r) => r.orderId));
      sourceRows.push(...windowRows[i]!, ...(await readers[i]!.rowsOf(trackedOrders.map((o) => o.orderId).filter((id) => !have.has(id)))));
    }
    step('comparing');
    const discrepancies = reconcile({
      window: options.window,
      now: options.now,
      graceMicros: options.graceMs * 1000,
      ...resolverOf(options.sources),
      sourceRows,
      trackedOrders,
      events,
    });
    options.onStep?.(total, total, 'done');
    return {
      window: options.window,
      generatedAt: options.now,
      graceSeconds: options.graceMs / 1000,
      sources: options.sources.map((s) => s.name),
      counts: countByKind(discrepancies),
      discrepancies,
    };
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

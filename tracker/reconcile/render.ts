import { toCsv } from '../report';
import { formatEventTime } from '../timeline';
import type { Discrepancy } from './compare';
import type { Reconciliation } from './run';

/** The columns of the CSV, one row per discrepancy. */
export const RECONCILE_CSV_COLUMNS = ['kind', 'order_id', 'tracker_state', 'sources', 'source_values', 'source_states', 'since', 'age_seconds', 'event_ids'] as const;

/**
 * The reconciliation as JSON (snake_case keys, times RFC 3339 UTC, ages in seconds at generated_at),
 * pretty-printed with a final newline.
 */
export function renderReconcileJson(result: Reconciliation): string {
  return `${JSON.stringify(reconcileJson(result), null, 2)}\n`;
}

/** The JSON structure of {@link renderReconcileJson}. */
export function reconcileJson(result: Reconciliation): Record<string, unknown> {
  return {
    window: { from: formatEventTime(result.window.from), to: formatEventTime(result.window.to) },
    generated_at: formatEventTime(result.generatedAt),
    grace_seconds: result.graceSeconds,
    sources: result.sources,
    counts: result.counts,
    discrepancies: result.discrepancies.map((d) => ({
      kind: d.kind,
      order_id: d.orderId,
      tracker_state: d.state,
      sources: d.sources,
      since: d.since === null ? null : formatEventTime(d.since),
      age_seconds: ageSeconds(result, d),
      event_ids: d.eventIds,
    })),
  };
}

/**
 * The discrepancies as CSV (tracker/report's toCsv: RFC 4180, cells that a spreadsheet would run as a
 * formula are neutralised). Several sources of one order are joined with `;` in the same order in
 * each of the three source columns.
 */
export function renderReconcileCsv(result: Reconciliation): string {
  return toCsv(
    RECONCILE_CSV_COLUMNS,
    result.discrepancies.map((d) => [
      d.kind,
      d.orderId,
      d.state,
      d.sources.map((s) => s.source).join(';'),
      d.sources.map((s) => s.value ?? '').join(';'),
      d.sources.map((s) => s.state ?? '').join(';'),
      d.since === null ? null : formatEventTime(d.since),
      ageSeconds(result, d),
      d.eventIds.join(';'),
    ]),
  );
}

/** How long the discrepancy has lasted at the run; null when a source cannot tell. */
export function ageSeconds(result: Pick<Reconciliation, 'generatedAt'>, d: Pick<Discrepancy, 'since'>): number | null {
  return d.since === null ? null : (result.generatedAt - d.since) / 1e6;
}

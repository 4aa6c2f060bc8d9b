import { card, dataTable, formatCount, formatShortTime, type SafeHtml } from '../html';
import { formatEventTime } from '../timeline';
import { DISCREPANCY_KINDS, type DiscrepancyKind } from './compare';
import type { Reconciliation } from './run';

/** Rows listed in the report; the CSV of `orderscope reconcile` has them all. */
const LISTED = 50;

const MEANING: Record<DiscrepancyKind, string> = {
  missing: 'a source has it, the tracker never saw it',
  orphan: 'the tracker has it, no source does',
  diverged: 'the states differ past the grace period',
  duplicated: 'one step reported by two sources',
};

/** The "Reconciliation" section of the latency report: counts per kind and the first orders found. */
export function reconciliationCard(result: Reconciliation): SafeHtml {
  const rows = result.discrepancies.slice(0, LISTED);
  const more = result.discrepancies.length > rows.length ? ` The first ${formatCount(rows.length)} of ${formatCount(result.discrepancies.length)} are listed; orderscope reconcile writes them all.` : '';
  return card(
    'Reconciliation',
    `The source systems (${result.sources.join(', ')}) against what the tracker saw, ${formatShortTime(formatEventTime(result.window.from))} – ${formatShortTime(formatEventTime(result.window.to))}, grace period ${formatCount(result.graceSeconds)} s: ${DISCREPANCY_KINDS.map((k) => `${formatCount(result.counts[k])} ${k} (${MEANING[k]})`).join(', ')}.${more}`,
    dataTable(
      [{ title: 'Order', kind: 'id' }, { title: 'Kind' }, { title: 'Tracker' }, { title: 'Sources' }, { title: 'Since (UTC)' }],
      rows.map((d) => [
        d.orderId,
        d.kind,
        d.state ?? '—',
        d.sources.length ? d.sources.map((s) => (s.value === null ? s.source : `${s.source}: ${s.value} (${s.state ?? 'unmapped'})`)).join('; ') : '—',
        d.since === null ? '—' : formatShortTime(formatEventTime(d.since)),
      ]),
      'Every order agrees: nothing missing, orphan, diverged or duplicated.',
    ),
    'reconciliation',
  );
}


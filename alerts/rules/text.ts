import { formatDuration } from '../../common';
import type { Handoff } from '../../events';
import type { RuleContext } from './types';

/** The runbook section of an alert: GitHub's anchor for a "## AlertName" heading. */
export function runbookUrl(ctx: RuleContext, alertname: string): string {
  return `${ctx.options.runbookUrl}#${alertname.toLowerCase()}`;
}

/** A tracker API URL, e.g. `apiUrl(ctx, '/v1/lost', { state: 'pricing' })`. */
export function apiUrl(ctx: RuleContext, path: string, query: Readonly<Record<string, string>> = {}): string {
  const q = new URLSearchParams(query).toString();
  return `${ctx.options.trackerApiUrl.replace(/\/+$/, '')}${path}${q ? `?${q}` : ''}`;
}

/** "quote_requested (shop) -> pricing (mes) within 5m via RabbitMQ queue mes.pricing". */
export function describeHandoff(h: Handoff): string {
  return `${h.from} (${h.fromSystem}) -> ${h.to} (${h.toSystem}) within ${formatDuration(h.withinSeconds)}${h.via ? ` via ${h.via}` : ''}`;
}


import { formatDuration } from '../../common';
import type { Handoff } from '../../events';
import type { RuleContext } from './types';

/** The runbook section of an alert: GitHub's anchor for a "## AlertName" heading. */
export function runbookUrl(ctx: RuleContext, alertname: string): string {
  return `${ctx.options.runbookUrl}#${alertname.toLowerCase()}`;
}

/** A URL of the tracker, a page or an API call, e.g. `trackerUrl(ctx, '/lost', { state: 'pricing' })`. */
export function trackerUrl(ctx: RuleContext, path: string, query: Readonly<Record<string, string>> = {}): string {
  const q = new URLSearchParams(query).toString();
  return `${ctx.options.trackerUrl.replace(/\/+$/, '')}${path}${q ? `?${q}` : ''}`;
}

/** "quote_requested (shop) -> pricing (mes) within 5m via RabbitMQ queue mes.pricing". */
export function describeHandoff(h: Handoff): string {
  return `${h.from} (${h.fromSystem}) -> ${h.to} (${h.toSystem}) within ${formatDuration(h.withinSeconds)}${h.via ? ` via ${h.via}` : ''}`;
}


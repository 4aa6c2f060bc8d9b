import { formatDuration } from '../../common';
import { stateTitle, type Handoff, type ProcessModel } from '../../events';
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

/**
 * A state as an alert's text names it, what people call it: its label with its name, "Check receipt
 * (check_receipt)", or its name when it has no label.
 */
export function stateText(model: ProcessModel, name: string): string {
  const def = model.state(name);
  return def ? stateTitle(def) : name;
}

/** "quote_requested (shop) -> pricing (mes) within 5m via RabbitMQ queue mes.pricing", states as {@link stateText}. */
export function describeHandoff(model: ProcessModel, h: Handoff): string {
  return `${stateText(model, h.from)} (${h.fromSystem}) -> ${stateText(model, h.to)} (${h.toSystem}) within ${formatDuration(h.withinSeconds)}${h.via ? ` via ${h.via}` : ''}`;
}


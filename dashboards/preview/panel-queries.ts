/**
 * The PromQL of a generated dashboard's panels, as Grafana would send it: read from the dashboard JSON
 * (Grafana's model, what dashboards/generated holds) and with the template variables and Grafana's
 * own interval variables replaced by values. Pure: the values come from the caller
 * ({@link resolveVariables} asks Prometheus for them).
 */

/** One query of a panel. */
export interface PanelQuery {
  readonly refId: string;
  /** As the dashboard holds it, with its variables. */
  readonly expr: string;
  readonly legendFormat?: string;
}

/** A panel as the preview and the e2e read it. */
export interface DashboardPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly queries: readonly PanelQuery[];
  /** The markdown of a text panel. */
  readonly content?: string;
  /** Grafana's unit of the values (s, percentunit, short, ...). */
  readonly unit?: string;
}

/** A template variable of a dashboard: `label_values(metric, label)` queries and textboxes. */
export interface DashboardVariable {
  readonly name: string;
  readonly type: string;
  readonly query: string;
}

export interface ParsedDashboard {
  readonly uid: string;
  readonly title: string;
  readonly variables: readonly DashboardVariable[];
  /** Every panel but rows, those of collapsed rows included, in the dashboard's order. */
  readonly panels: readonly DashboardPanel[];
}

interface GrafanaPanel {
  id?: number;
  type?: string;
  title?: string;
  targets?: { refId?: string; expr?: string; legendFormat?: string }[];
  options?: { content?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  panels?: GrafanaPanel[];
}

/** The panels and variables of a dashboard's JSON. */
export function parseDashboard(json: string): ParsedDashboard {
  const d = JSON.parse(json) as { uid: string; title: string; panels?: GrafanaPanel[]; templating?: { list?: { name: string; type: string; query?: unknown }[] } };
  const flat = (d.panels ?? []).flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
  return {
    uid: d.uid,
    title: d.title,
    variables: (d.templating?.list ?? []).map((v) => ({ name: v.name, type: v.type, query: typeof v.query === 'string' ? v.query : '' })),
    panels: flat.map((p) => ({
      id: p.id ?? 0,
      type: p.type ?? 'unknown',
      title: p.title ?? '',
      queries: (p.targets ?? []).filter((t) => typeof t.expr === 'string' && t.expr !== '').map((t) => ({ refId: t.refId ?? 'A', expr: t.expr!, ...(t.legendFormat !== undefined && { legendFormat: t.legendFormat }) })),
      ...(p.options?.content !== undefined && { content: p.options.content }),
      ...(p.fieldConfig?.defaults?.unit !== undefined && { unit: p.fieldConfig.defaults.unit }),
    })),
  };
}

/** `label_values(metric, label)`: the metric and the label, or undefined for another kind of query. */
export function labelValuesQuery(query: string): { metric: string; label: string } | undefined {
  const m = /^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(query);
  return m ? { metric: m[1]!, label: m[2]! } : undefined;
}

/** What Grafana would put in for the variables of one query run. */
export interface QueryContext {
  /** Template variables: every value of a query variable (all of them are shown, as "All" would), a textbox's text. */
  readonly variables: Readonly<Record<string, readonly string[]>>;
  /** The range of the run, in seconds: `$__range`. */
  readonly rangeSeconds: number;
  /** The step between points, in seconds: `$__interval`. */
  readonly stepSeconds: number;
  /** Prometheus' scrape interval, in seconds: `$__rate_interval` is max(4 x scrape interval, step + scrape interval), as Grafana computes it. */
  readonly scrapeSeconds: number;
}

/**
 * `expr` with its variables replaced. A variable inside a regex matcher (`=~"$job"`) gets its values as
 * an alternation of regex-escaped values, as Grafana's regex formatting does; elsewhere its first value.
 * A variable with no value leaves a regex that matches nothing, so that the query parses and finds no data.
 */
export function substituteVariables(expr: string, context: QueryContext): string {
  const rate = Math.max(4 * context.scrapeSeconds, context.stepSeconds + context.scrapeSeconds);
  const builtins: Record<string, string> = {
    __rate_interval: `${Math.round(rate)}s`,
    __range: `${Math.round(context.rangeSeconds)}s`,
    __interval: `${Math.round(context.stepSeconds)}s`,
    __range_s: String(Math.round(context.rangeSeconds)),
  };
  return expr
    .replace(/(=~|!~)"\$\{?([A-Za-z0-9_]+)\}?"/g, (whole, op: string, name: string) => {
      const values = context.variables[name];
      if (values === undefined) return whole;
      return `${op}"${values.length === 0 ? '$^' : values.length === 1 ? escapeRegex(values[0]!) : `(${values.map(escapeRegex).join('|')})`}"`;
    })
    .replace(/\$\{?([A-Za-z0-9_]+)\}?/g, (whole, name: string) => builtins[name] ?? context.variables[name]?.[0] ?? whole);
}

/** A value as a literal in a PromQL regex (RE2), inside a double-quoted string. */
function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&').replace(/"/g, '\\"');
}

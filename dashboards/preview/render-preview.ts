import { card, countTicks, dataTable, formatCount, formatShare, html, kpis, lineChart, renderPage, roughDuration, type HtmlValue, type Kpi, type LineSeries, type SafeHtml } from '../../tracker';
import type { RangeSeries } from './prometheus-api';
import { hasData as withPoints, type DashboardRun, type PanelRun, type QueryRun } from './run-panels';

/**
 * A dashboard drawn from Prometheus without Grafana: one HTML page, in the style of the latency
 * reports (inline CSS and SVG, no script), with a card per panel: a time series or heatmap as lines
 * over the window, a stat as its last value, a table as rows of labels and last values, a text panel
 * as its text. Each card shows the PromQL it ran, so a user sees what the dashboard will show, and why,
 * before installing it. Pure: the data is in `run`.
 */
export function renderDashboardPreview(run: DashboardRun, meta: { prometheus: string; generatedAt: string }): string {
  const variables = Object.entries(run.variables).map(([k, v]) => `${k} = ${v.join(', ') || '(no value)'}`);
  return renderPage({
    title: `orderscope · ${run.dashboard.title} (preview)`,
    body: html`<h1>${run.dashboard.title}</h1>
      <p class="sub">A preview of the Grafana dashboard <code>${run.dashboard.uid}</code>, drawn from ${meta.prometheus} · ${variables.join(' · ')}</p>
      ${run.panels.map((p) => panelCard(p))}`,
    footer: html`<p>Drawn ${meta.generatedAt} by orderscope dashboards preview. Every panel ran its own PromQL, with the dashboard's variables set to the values above, on Prometheus' query_range API.</p>`,
  });
}

/** The index page of a preview directory: a link per dashboard with its panels' data counts. */
export function renderPreviewIndex(entries: readonly { file: string; run: DashboardRun }[], meta: { prometheus: string; generatedAt: string }): string {
  return renderPage({
    title: 'orderscope · dashboards (preview)',
    body: html`<h1>Dashboards</h1><p class="sub">Previews of the generated Grafana dashboards, drawn from ${meta.prometheus}.</p>
      ${card(
        'Dashboards',
        '',
        dataTable(
          [{ title: 'Dashboard' }, { title: 'Panels', kind: 'num' }, { title: 'With data', kind: 'num' }],
          entries.map((e) => {
            const queried = e.run.panels.filter((p) => p.queries.length > 0);
            return [html`<a href="${e.file}">${e.run.dashboard.title}</a>`, String(queried.length), String(queried.filter(withPoints).length)];
          }),
          'No dashboards.',
        ),
      )}`,
    footer: html`<p>Drawn ${meta.generatedAt} by orderscope dashboards preview.</p>`,
  });
}


function panelCard(p: PanelRun): SafeHtml {
  const { panel } = p;
  const promql = p.queries.length ? html`<details><summary class="muted">PromQL</summary>${p.queries.map((q) => html`<pre class="muted">${q.refId}: ${q.expr}</pre>`)}</details>` : '';
  const errors = p.queries.filter((q) => q.error).map((q) => html`<p class="error">${q.refId}: ${q.error}</p>`);
  if (panel.type === 'text') return card(panel.title, '', html`<pre>${panel.content ?? ''}</pre>`);
  const format = formatterOf(panel.unit);
  let content: HtmlValue;
  if (!withPoints(p)) content = html`<p class="empty">No data in this window.</p>`;
  else if (panel.type === 'stat') content = kpis(statKpis(p.queries, format));
  else if (panel.type === 'table') content = tableOf(p.queries, format);
  else content = chartOf(panel.title, p.queries, format);
  return card(panel.title, '', html`${errors}${content}${promql}`);
}

/** A series' name as Grafana's legend would give it: the legend format with its {{label}}s, else its labels. */
function seriesName(q: QueryRun, s: RangeSeries): string {
  if (q.legendFormat && q.legendFormat !== '__auto') return q.legendFormat.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_m, l: string) => s.metric[l] ?? '');
  const labels = Object.entries(s.metric).filter(([k]) => k !== '__name__');
  return labels.length ? labels.map(([k, v]) => `${k}=${v}`).join(', ') : q.refId;
}

function chartOf(title: string, queries: readonly QueryRun[], format: (v: number) => string): SafeHtml {
  const xs = [...new Set(queries.flatMap((q) => q.series.flatMap((s) => s.points.map(([t]) => t))))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const series: LineSeries[] = queries.flatMap((q) =>
    q.series.map((s) => {
      const values: (number | null)[] = xs.map(() => null);
      for (const [t, v] of s.points) if (Number.isFinite(v)) values[index.get(t)!] = v;
      return { label: seriesName(q, s), values };
    }),
  );
  let max = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
  return lineChart({ title, xs, series, yTicks: countTicks(max), formatY: format, formatX: (x) => new Date(x * 1000).toISOString().slice(11, 19) });
}

function lastValue(s: RangeSeries): number | undefined {
  return s.points[s.points.length - 1]?.[1];
}

function statKpis(queries: readonly QueryRun[], format: (v: number) => string): Kpi[] {
  return queries.flatMap((q) => q.series.map((s) => ({ label: seriesName(q, s), value: format(lastValue(s) ?? NaN), note: 'last value' })));
}

function tableOf(queries: readonly QueryRun[], format: (v: number) => string): SafeHtml {
  const rows = queries.flatMap((q) => q.series.map((s) => [seriesName(q, s), format(lastValue(s) ?? NaN)]));
  return dataTable([{ title: 'Series' }, { title: 'Value', kind: 'num' }], rows, 'No rows.');
}

/** Values as Grafana's unit would show them: durations, shares, counts. */
function formatterOf(unit: string | undefined): (v: number) => string {
  if (unit === 's') return (v) => roughDuration(v);
  if (unit === 'percentunit') return (v) => formatShare(v);
  return (v) => (!Number.isFinite(v) ? '—' : Math.abs(v) >= 100 ? formatCount(v) : String(Number(v.toPrecision(3))));
}

import { html, type SafeHtml } from './escape';
import { largest } from './largest';

/**
 * Small SVG charts, drawn server-side into the page: no script, no library, no external resource, so
 * a report saved to a file looks the same anywhere, and prints. Every chart is `CHART_WIDTH` wide and
 * as tall as its rows need (its `height` attribute), so a page's layout and a test's pixel checks
 * know where it is. Text is escaped like everything else (labels carry user data).
 */
export const CHART_WIDTH = 1000;

/** The palette: blues for time, orange for over the SLA, amber for stuck, red for lost, grey for other. */
export const COLORS = {
  p50: '#1e40af',
  p90: '#93c5fd',
  p50Over: '#c2410c',
  p90Over: '#fdba74',
  sla: '#111827',
  completed: '#2563eb',
  other: '#cbd5e1',
  ok: '#60a5fa',
  stuck: '#f59e0b',
  lost: '#dc2626',
  line: '#1e40af',
  grid: '#e5e7eb',
  axis: '#9ca3af',
  text: '#374151',
} as const;

const n = (x: number) => String(Math.round(x * 10) / 10);

/** One series of a legend: a swatch (or a line, for a marker) and its name. */
export interface LegendItem {
  readonly label: string;
  readonly color: string;
  readonly line?: boolean;
}

function legend(items: readonly LegendItem[], x: number, y: number): SafeHtml {
  let at = x;
  return html`${items.map((item) => {
    const swatch = item.line
      ? html`<line x1="${n(at)}" y1="${n(y - 4)}" x2="${n(at + 14)}" y2="${n(y - 4)}" stroke="${item.color}" stroke-width="2" stroke-dasharray="4 2"/>`
      : html`<rect x="${n(at)}" y="${n(y - 10)}" width="12" height="12" rx="2" fill="${item.color}"/>`;
    const label = html`<text x="${n(at + 18)}" y="${n(y)}" class="legend">${item.label}</text>`;
    at += 18 + item.label.length * 7 + 22;
    return html`${swatch}${label}`;
  })}`;
}

function frame(title: string, height: number, body: SafeHtml): SafeHtml {
  // The font on the element too: a chart copied out of its page keeps its looks.
  return html`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${n(height)}" viewBox="0 0 ${CHART_WIDTH} ${n(height)}" font-family="system-ui, 'Liberation Sans', Arial, sans-serif" font-size="12" role="img" aria-label="${title}"><title>${title}</title>${body}</svg>`;
}

/** A row of {@link slaChart}: times drawn against the row's own SLA. */
export interface SlaRow {
  readonly label: string;
  /** The wide, light bar (p90), or null for a row with one value. */
  readonly wide: number | null;
  /** The narrow, dark bar (p50, or an order's time in the state). */
  readonly narrow: number;
  readonly slaSeconds: number;
  /** Text right of the bars, e.g. "p50 4m · p90 12m · SLA 15m". */
  readonly caption: string;
}

const SLA_ROW = 30;
const SLA_LABEL = 170;
const SLA_CAPTION = 300;
const STACKED_CAPTION = 400;

/**
 * Times against their SLA, one row per state: each row is scaled to its own SLA, so the SLA is one
 * vertical line at 100% for every row and states whose SLAs differ a thousandfold (2 minutes, 5 days)
 * compare at a glance. A bar over the SLA turns orange; one beyond the right edge ends in an arrow
 * (its caption has the real value).
 */
export function slaChart(title: string, rows: readonly SlaRow[], legendItems: readonly LegendItem[]): SafeHtml {
  const top = 30;
  const plot = CHART_WIDTH - SLA_LABEL - SLA_CAPTION - 16;
  const worst = largest(rows.map((r) => Math.max(r.wide ?? 0, r.narrow) / r.slaSeconds), 1);
  const maxRatio = Math.min(4, Math.max(1.5, Math.ceil(worst * 2) / 2));
  const step = maxRatio <= 2 ? 0.25 : maxRatio <= 3 ? 0.5 : 1;
  const x = (ratio: number) => SLA_LABEL + (Math.min(ratio, maxRatio) / maxRatio) * plot;
  const height = top + rows.length * SLA_ROW + 34;
  const bottom = top + rows.length * SLA_ROW;

  const ticks = Array.from({ length: Math.round(maxRatio / step) + 1 }, (_, i) => i * step);
  const grid = ticks.map(
    (t) => html`<line x1="${n(x(t))}" y1="${top - 4}" x2="${n(x(t))}" y2="${bottom}" stroke="${COLORS.grid}"/>
      <text x="${n(x(t))}" y="${bottom + 16}" text-anchor="middle" class="tick">${t === 1 ? 'SLA' : `${Math.round(t * 100)}%`}</text>`,
  );
  const bars = rows.map((r, i) => {
    const mid = top + i * SLA_ROW + SLA_ROW / 2;
    const bar = (seconds: number, thickness: number, color: string) => {
      const ratio = seconds / r.slaSeconds;
      const end = x(ratio);
      const clipped = ratio > maxRatio;
      return html`<rect x="${SLA_LABEL}" y="${n(mid - thickness / 2)}" width="${n(Math.max(1, end - SLA_LABEL))}" height="${thickness}" fill="${color}"/>${
        clipped ? html`<path d="M${n(end)} ${n(mid - thickness / 2 - 3)} l8 ${n(thickness / 2 + 3)} l-8 ${n(thickness / 2 + 3)}z" fill="${color}"/>` : ''
      }`;
    };
    return html`<text x="0" y="${n(mid + 4)}" class="label">${r.label}</text>
      ${r.wide === null ? '' : bar(r.wide, 18, r.wide > r.slaSeconds ? COLORS.p90Over : COLORS.p90)}
      ${bar(r.narrow, r.wide === null ? 14 : 8, r.narrow > r.slaSeconds ? COLORS.p50Over : COLORS.p50)}
      <text x="${n(SLA_LABEL + plot + 16)}" y="${n(mid + 4)}" class="caption">${r.caption}</text>`;
  });
  const slaLine = html`<line x1="${n(x(1))}" y1="${top - 6}" x2="${n(x(1))}" y2="${bottom + 2}" stroke="${COLORS.sla}" stroke-width="2" stroke-dasharray="5 3"/>`;
  return frame(title, height, html`${legend(legendItems, SLA_LABEL, 14)}${grid}${bars}${slaLine}`);
}

/** A vertical marker of {@link histogramChart}, e.g. the median. */
export interface Marker {
  readonly label: string;
  /** Where, in bins from the left edge (2.5 = the middle of the third bin). */
  readonly position: number;
}

const PLOT_LEFT = 64;
const PLOT_RIGHT = 16;

/**
 * Stacked columns of equal width, one per bin, labelled at the bin edges (a histogram whose bins need
 * not be of equal size, e.g. 1h-2h, 2h-4h), with dashed markers for percentiles.
 */
export function histogramChart(options: {
  readonly title: string;
  readonly edges: readonly string[];
  readonly bins: readonly (readonly number[])[];
  readonly series: readonly LegendItem[];
  readonly markers: readonly Marker[];
  readonly formatCount: (n: number) => string;
  readonly countTicks: readonly number[];
}): SafeHtml {
  // Room above the plot for the legend and one line per marker label, so labels never cover a column.
  const top = 40 + options.markers.length * 15;
  const plotHeight = 220;
  const bottom = top + plotHeight;
  const plot = CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const band = plot / Math.max(1, options.bins.length);
  const max = options.countTicks[options.countTicks.length - 1]!;
  const y = (v: number) => bottom - (v / max) * plotHeight;
  const labelEvery = Math.ceil(options.edges.length / 26);

  const grid = yGrid(options.countTicks, y, options.formatCount);
  const columns = options.bins.map((stack, i) => {
    let base = 0;
    return stack.map((v, s) => {
      if (v <= 0) return '';
      const rect = html`<rect x="${n(PLOT_LEFT + i * band + 2)}" y="${n(y(base + v))}" width="${n(Math.max(1, band - 4))}" height="${n(y(base) - y(base + v))}" fill="${options.series[s]?.color ?? COLORS.other}"/>`;
      base += v;
      return rect;
    });
  });
  const edges = options.edges.map((label, i) =>
    i % labelEvery === 0 ? html`<text x="${n(PLOT_LEFT + i * band)}" y="${bottom + 18}" text-anchor="middle" class="tick">${label}</text>` : '',
  );
  // Labels right of their lines, or all left of them when one is near the right edge.
  const right = options.markers.every((m) => PLOT_LEFT + m.position * band < CHART_WIDTH - 160);
  const markers = options.markers.map((m, i) => {
    const mx = PLOT_LEFT + m.position * band;
    const y = 40 + i * 15;
    return html`<line x1="${n(mx)}" y1="${y + 3}" x2="${n(mx)}" y2="${bottom}" stroke="${COLORS.sla}" stroke-width="1.5" stroke-dasharray="5 3"/>
      <text x="${n(right ? mx + 5 : mx - 5)}" y="${y + 8}" text-anchor="${right ? 'start' : 'end'}" class="marker">${m.label}</text>`;
  });
  const axis = html`<line x1="${PLOT_LEFT}" y1="${bottom}" x2="${CHART_WIDTH - PLOT_RIGHT}" y2="${bottom}" stroke="${COLORS.axis}"/>`;
  return frame(options.title, bottom + 30, html`${legend(options.series, PLOT_LEFT, 16)}${grid}${columns}${axis}${edges}${markers}`);
}

/** One x position of a {@link columnChart} / {@link lineChart} pair. */
export interface TrendPoint {
  readonly label: string;
  /** Stacked values of the column chart. */
  readonly stack: readonly number[];
  /** The line's value; null leaves a gap. */
  readonly value: number | null;
}

/**
 * A trend over days as two panels sharing their x axis: stacked columns above (how many), a line below
 * (how long). Two panels instead of two y axes on one: nobody misreads which axis a mark belongs to.
 */
export function trendChart(options: {
  readonly title: string;
  readonly points: readonly TrendPoint[];
  readonly series: readonly LegendItem[];
  readonly countTicks: readonly number[];
  readonly formatCount: (n: number) => string;
  readonly lineLabel: string;
  readonly valueTicks: readonly number[];
  readonly formatValue: (v: number) => string;
}): SafeHtml {
  const plot = CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const band = plot / Math.max(1, options.points.length);
  const cx = (i: number) => PLOT_LEFT + i * band + band / 2;
  const labelEvery = Math.ceil(options.points.length / 16);

  // Upper panel: columns.
  const top1 = 40;
  const h1 = 150;
  const maxCount = options.countTicks[options.countTicks.length - 1]!;
  const y1 = (v: number) => top1 + h1 - (v / maxCount) * h1;
  const columns = options.points.map((p, i) => {
    let base = 0;
    return p.stack.map((v, s) => {
      if (v <= 0) return '';
      const w = Math.max(1, Math.min(40, band - 4));
      const rect = html`<rect x="${n(cx(i) - w / 2)}" y="${n(y1(base + v))}" width="${n(w)}" height="${n(y1(base) - y1(base + v))}" fill="${options.series[s]?.color ?? COLORS.other}"/>`;
      base += v;
      return rect;
    });
  });

  // Lower panel: the line, broken where a day has no value.
  const top2 = top1 + h1 + 48;
  const h2 = 130;
  const maxValue = options.valueTicks[options.valueTicks.length - 1]!;
  const y2 = (v: number) => top2 + h2 - (v / maxValue) * h2;
  const line = polyline(
    options.points.map((p, i) => ({ x: cx(i), y: p.value === null ? null : y2(p.value) })),
    COLORS.line,
    { width: 2.5, dots: true },
  );
  const days = options.points.map((p, i) =>
    i % labelEvery === 0 ? html`<text x="${n(cx(i))}" y="${top2 + h2 + 18}" text-anchor="middle" class="tick">${p.label}</text>` : '',
  );
  const body = html`${legend(options.series, PLOT_LEFT, 16)}
    ${yGrid(options.countTicks, y1, options.formatCount)}${columns}
    <line x1="${PLOT_LEFT}" y1="${top1 + h1}" x2="${CHART_WIDTH - PLOT_RIGHT}" y2="${top1 + h1}" stroke="${COLORS.axis}"/>
    <text x="${PLOT_LEFT}" y="${top2 - 14}" class="legend">${options.lineLabel}</text>
    ${yGrid(options.valueTicks, y2, options.formatValue)}${line}
    <line x1="${PLOT_LEFT}" y1="${top2 + h2}" x2="${CHART_WIDTH - PLOT_RIGHT}" y2="${top2 + h2}" stroke="${COLORS.axis}"/>${days}`;
  return frame(options.title, top2 + h2 + 28, body);
}

/**
 * A line through points given in chart coordinates, broken where a point is missing (y null): a gap in
 * the data shows as a gap, never as a line across it.
 */
function polyline(points: readonly { x: number; y: number | null }[], color: string, style: { width: number; dots: boolean }): SafeHtml {
  const runs: { x: number; y: number }[][] = [];
  let open = false;
  for (const p of points) {
    if (p.y === null) {
      open = false;
      continue;
    }
    if (open) runs[runs.length - 1]!.push({ x: p.x, y: p.y });
    else runs.push([{ x: p.x, y: p.y }]);
    open = true;
  }
  return html`${runs.map(
    (run) => html`<polyline points="${run.map((pt) => `${n(pt.x)},${n(pt.y)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="${style.width}"/>
      ${style.dots ? run.map((pt) => html`<circle cx="${n(pt.x)}" cy="${n(pt.y)}" r="3.5" fill="${color}"/>`) : ''}`,
  )}`;
}

/** Colours of the lines of a {@link lineChart}, in order; the palette's blues and warm tones first. */
export const SERIES_COLORS = ['#1e40af', '#c2410c', '#15803d', '#7c3aed', '#0891b2', '#b45309', '#db2777', '#4b5563'] as const;

/** One line of a {@link lineChart}: a value per x of the chart's grid, null where there is none. */
export interface LineSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

/**
 * Lines over time, one per series, on a shared grid of x values (e.g. the timestamps of a Prometheus
 * range query), with a legend above: what a Grafana time series panel shows, drawn without Grafana.
 */
export function lineChart(options: {
  readonly title: string;
  /** The grid: ascending x values (seconds since the epoch) that every series has a value (or null) for. */
  readonly xs: readonly number[];
  readonly series: readonly LineSeries[];
  readonly yTicks: readonly number[];
  readonly formatY: (v: number) => string;
  readonly formatX: (x: number) => string;
}): SafeHtml {
  const top = 40;
  const height = 180;
  const first = options.xs[0] ?? 0;
  const span = Math.max(1, (options.xs[options.xs.length - 1] ?? 0) - first);
  const plot = CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const x = (v: number) => PLOT_LEFT + ((v - first) / span) * plot;
  const maxY = options.yTicks[options.yTicks.length - 1]!;
  const minY = options.yTicks[0]!;
  const y = (v: number) => top + height - ((Math.min(maxY, Math.max(minY, v)) - minY) / (maxY - minY || 1)) * height;
  const colorOf = (i: number) => SERIES_COLORS[i % SERIES_COLORS.length]!;
  const lines = options.series.map((s, i) =>
    polyline(
      options.xs.map((xv, j) => ({ x: x(xv), y: s.values[j] === null || s.values[j] === undefined ? null : y(s.values[j]) })),
      colorOf(i),
      { width: 2, dots: options.xs.length <= 2 },
    ),
  );
  // The first and last labels stand inside the plot's edges, not across them.
  const anchor = (f: number) => (f === 0 ? 'start' : f === 1 ? 'end' : 'middle');
  const labels = [0, 0.25, 0.5, 0.75, 1].map((f) => html`<text x="${n(PLOT_LEFT + f * plot)}" y="${top + height + 18}" text-anchor="${anchor(f)}" class="tick">${options.formatX(first + f * span)}</text>`);
  const legendRows = options.series.length > 0 ? legend(options.series.slice(0, 8).map((s, i) => ({ label: s.label, color: colorOf(i) })), PLOT_LEFT, 16) : '';
  const body = html`${legendRows}${yGrid(options.yTicks, y, options.formatY)}${lines}
    <line x1="${PLOT_LEFT}" y1="${top + height}" x2="${CHART_WIDTH - PLOT_RIGHT}" y2="${top + height}" stroke="${COLORS.axis}"/>${labels}`;
  return frame(options.title, top + height + 28, body);
}

function yGrid(ticks: readonly number[], y: (v: number) => number, format: (v: number) => string): SafeHtml {
  return html`${ticks.map(
    (t) => html`<line x1="${PLOT_LEFT}" y1="${n(y(t))}" x2="${CHART_WIDTH - PLOT_RIGHT}" y2="${n(y(t))}" stroke="${COLORS.grid}"/>
      <text x="${PLOT_LEFT - 8}" y="${n(y(t) + 4)}" text-anchor="end" class="tick">${format(t)}</text>`,
  )}`;
}

/** A row of {@link stackedBars}. */
export interface StackedRow {
  readonly label: string;
  readonly parts: readonly number[];
  readonly caption: string;
}

/** Horizontal stacked bars on one shared scale, e.g. orders in flight per state: within SLA, stuck, lost. */
export function stackedBars(title: string, rows: readonly StackedRow[], series: readonly LegendItem[]): SafeHtml {
  const top = 30;
  const rowHeight = 30;
  // Captions here say more (counts, the oldest order and its SLA): they get more room than the bars.
  const plot = CHART_WIDTH - SLA_LABEL - STACKED_CAPTION - 16;
  const max = largest(rows.map((r) => r.parts.reduce((a, b) => a + b, 0)), 1);
  const bars = rows.map((r, i) => {
    const mid = top + i * rowHeight + rowHeight / 2;
    let at = SLA_LABEL;
    const parts = r.parts.map((v, s) => {
      if (v <= 0) return '';
      const w = Math.max(2, (v / max) * plot);
      const rect = html`<rect x="${n(at)}" y="${n(mid - 9)}" width="${n(w)}" height="18" fill="${series[s]?.color ?? COLORS.other}"/>`;
      at += w;
      return rect;
    });
    return html`<text x="0" y="${n(mid + 4)}" class="label">${r.label}</text>${parts}
      <line x1="${SLA_LABEL}" y1="${n(mid - 12)}" x2="${SLA_LABEL}" y2="${n(mid + 12)}" stroke="${COLORS.axis}"/>
      <text x="${n(SLA_LABEL + plot + 16)}" y="${n(mid + 4)}" class="caption">${r.caption}</text>`;
  });
  return frame(title, top + rows.length * rowHeight + 10, html`${legend(series, SLA_LABEL, 14)}${bars}`);
}

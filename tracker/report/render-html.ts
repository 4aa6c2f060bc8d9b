import {
  card,
  COLORS,
  dataTable,
  formatCount,
  formatDay,
  formatShare,
  formatShortTime,
  formatTime,
  histogramChart,
  html,
  kpis,
  largest,
  renderPage,
  roughDuration,
  safeHref,
  slaChart,
  statusBadge,
  trendChart,
  type HtmlValue,
  type Kpi,
  type SafeHtml,
} from '../html';
import { countTicks, durationTicks } from './duration-ladder';
import { highlights } from './highlights';
import type { LatencyReport, LeadTimeBin, LostOrder, ReportMethod, StateLatency, StaysCounted } from './types';

export interface HtmlReportOptions {
  /**
   * Where order pages live: '' for links relative to this server (the tracker serves the report), a
   * tracker's base URL for a report saved to a file, undefined for no links at all.
   */
  readonly linkBase?: string;
  /** Links in the top bar (the tracker's pages); none in a report saved to a file. */
  readonly nav?: readonly { readonly href: string; readonly label: string }[];
  /** The top bar's order-id box (the tracker's pages); none in a report saved to a file. */
  readonly orderSearch?: string;
  /** A "Reconciliation" section after the report's own, when given (tracker/reconcile renders it). */
  readonly reconciliation?: SafeHtml;
}

/**
 * The report as one self-contained HTML page for managers: headline figures and a few sentences,
 * then time in each state against its SLA, the lead-time distribution, the daily trend, lost and
 * slowest orders, segments and operators. Inline CSS and SVG only (no script, no external resource);
 * every value is escaped. An empty period gives a page that says so.
 */
export function renderHtml(report: LatencyReport, options: HtmlReportOptions = {}): string {
  const link = orderLink(options.linkBase);
  const title = `Order latency report · ${describePeriod(report)}`;
  const body = report.empty
    ? html`${heading(report)}<div class="notice"><strong>Nothing happened in this period.</strong> No order entered, left or finished a state, and none was flagged stuck or lost, between ${formatTime(report.period.from)} and ${formatTime(report.period.to)}. Pick a longer or a more recent period.</div>${options.reconciliation ?? ''}`
    : html`${heading(report)}${headline(report)}
      ${card('In short', '', html`<ul class="highlights">${highlights(report).map((h) => html`<li>${h}</li>`)}</ul>`)}
      ${statesCard(report)}${leadTimeCard(report)}${trendCard(report)}${lostCard(report, link)}${slowestCard(report, link)}${segmentsCard(report)}${operatorsCard(report)}${options.reconciliation ?? ''}`;
  return renderPage({
    title,
    body,
    ...(options.linkBase !== undefined && { homeHref: `${options.linkBase}/` }),
    ...(options.nav && { nav: options.nav }),
    ...(options.orderSearch !== undefined && { orderSearch: options.orderSearch }),
    footer: html`<p>How to read this report: a stay counts in the period when it ended in it, or, for the stay an order is still in, when it started in it (then its time so far, until ${formatTime(report.measuredUntil)}, is its time). An order counts as completed when it reached ${report.leadTime.completedState ?? 'its final state'} in the period; its lead time runs from its first event to then. Stuck and lost counts are orders the detector flagged in the period. p50 is the median, p90 the time 9 in 10 stayed within. ${METHOD_NOTE[report.method](report.relativeError)} Days are UTC days.</p>
      <p>Generated ${formatTime(report.generatedAt)} by orderscope from the process model "${report.model}".</p>`,
  });
}

function heading(report: LatencyReport): SafeHtml {
  return html`<h1>Order latency report</h1><p class="sub">${describePeriod(report)} · process model “${report.model}”</p>`;
}

/**
 * "Mon 23 Nov – Sun 29 Nov 2026" for whole UTC days ("Thu 31 Dec 2026 – Sun 3 Jan 2027" when the
 * years differ: the end's year alone would put the start in the wrong year), else the two times.
 */
export function describePeriod(report: Pick<LatencyReport, 'period'>): string {
  const { from, to } = report.period;
  const midnight = (iso: string) => /T00:00:00(\.0+)?Z$/.test(iso);
  if (midnight(from) && midnight(to)) {
    const last = new Date(Date.parse(to) - 86_400_000).toISOString();
    const year = last.slice(0, 4);
    if (last.slice(0, 10) === from.slice(0, 10)) return `${formatDay(from)} ${year}`;
    const fromYear = from.slice(0, 4) === year ? '' : ` ${from.slice(0, 4)}`;
    return `${formatDay(from)}${fromYear} – ${formatDay(last)} ${year}`;
  }
  return `${formatTime(from)} – ${formatTime(to)}`;
}

function headline(report: LatencyReport): SafeHtml {
  const s = report.summary;
  const sla = s.withinSlaShare;
  const items: Kpi[] = [
    { label: 'Orders completed', value: formatCount(s.ordersCompleted), note: s.ordersEndedOtherwise ? `and ${formatCount(s.ordersEndedOtherwise)} cancelled or ended otherwise` : 'none ended otherwise' },
    { label: 'Median lead time', value: roughDuration(s.leadTimeP50Seconds), note: 'first event to completed (p50)' },
    { label: 'Lead time p90', value: roughDuration(s.leadTimeP90Seconds), note: '9 in 10 completed within it' },
    {
      label: 'Stays within SLA',
      value: formatShare(sla),
      note: `${formatCount(s.staysWithinSla)} of ${formatCount(s.staysJudged)} judged`,
      ...(sla !== null && { tone: sla >= 0.95 ? 'good' : sla >= 0.8 ? 'warn' : 'bad' }),
    },
    { label: 'Orders stuck', value: formatCount(s.ordersStuck), note: 'flagged past their SLA', ...(s.ordersStuck > 0 && { tone: 'warn' }) },
    { label: 'Orders lost', value: formatCount(s.ordersLost), note: 'flagged lost', tone: s.ordersLost > 0 ? 'bad' : 'good' },
  ];
  return kpis(items);
}

function statesCard(report: LatencyReport): SafeHtml {
  const charted = report.states.filter((s): s is StateLatency & { slaSeconds: number; p50Seconds: number; p90Seconds: number } => s.slaSeconds !== null && s.p50Seconds !== null && s.p90Seconds !== null);
  const chart = charted.length
    ? slaChart(
        'Time in each state against its SLA',
        charted.map((s) => ({
          label: s.label,
          wide: s.p90Seconds,
          narrow: s.p50Seconds,
          slaSeconds: s.slaSeconds,
          caption: `p50 ${roughDuration(s.p50Seconds)} · p90 ${roughDuration(s.p90Seconds)} · SLA ${roughDuration(s.slaSeconds)}`,
        })),
        [
          { label: 'median (p50)', color: COLORS.p50 },
          { label: 'p90', color: COLORS.p90 },
          { label: 'over the SLA', color: COLORS.p90Over },
          { label: 'SLA', color: COLORS.sla, line: true },
        ],
      )
    : '';
  const table = dataTable(
    [
      { title: 'State' },
      { title: 'Owner' },
      { title: 'Orders', kind: 'num' },
      { title: 'p50', kind: 'num' },
      { title: 'p90', kind: 'num' },
      { title: 'p99', kind: 'num' },
      { title: 'Mean', kind: 'num' },
      { title: 'SLA', kind: 'num' },
      { title: 'Within SLA', kind: 'num' },
      { title: 'Stuck', kind: 'num' },
      { title: 'Lost', kind: 'num' },
    ],
    report.states.map((s) => [
      s.label === s.state ? s.state : html`${s.label} <span class="muted">(${s.state})</span>`,
      s.system ?? '—',
      html`${formatCount(s.stays)}${s.openStays ? html` <span class="muted">(${formatCount(s.openStays)} still there)</span>` : ''}`,
      roughDuration(s.p50Seconds),
      roughDuration(s.p90Seconds),
      roughDuration(s.p99Seconds),
      roughDuration(s.meanSeconds),
      roughDuration(s.slaSeconds),
      shareCell(s.withinSlaShare),
      countCell(s.stuck, 'warn'),
      countCell(s.lost, 'bad'),
    ]),
    'No state had orders in this period.',
  );
  return card(
    'Time in each state',
    `${STAYS_NOTE[report.staysCounted]} Each bar is scaled to its state’s SLA: the dashed line is the SLA, the dark bar the median stay, the light bar the time 9 in 10 stays stayed within (p90). Orange means over the SLA. A state without an SLA is observed only.`,
    html`${chart}${table}`,
    'states',
  );
}

/** How the figures were computed, and how close they are (method and relativeError of the report). */
const METHOD_NOTE: Readonly<Record<ReportMethod, (relativeError: number) => string>> = {
  exact: () => 'Percentiles are exact (method: exact), computed from every stay.',
  rollup: (e) =>
    `Whole days are read from daily rollups (method: rollup): counts and means are exact, percentiles within ${formatShare(e)} of the exact ones, and a stay within about ${formatShare(2 * e)} of its SLA or of a histogram bar’s edge may be counted on the other side. Ask for exact=true for exact percentiles.`,
};

/** Which stays the time-in-state figures count, said where they are read. */
const STAYS_NOTE: Readonly<Record<StaysCounted, string>> = {
  closed_and_open: 'Stays that ended in the period, and the stays orders are still in (at their age so far).',
  closed: 'Only stays that ended in the period (closed stays); orders still in a state are not counted.',
};

function shareCell(share: number | null): HtmlValue {
  if (share === null) return '—';
  return html`<span class="${share >= 0.95 ? 'good' : share >= 0.8 ? 'warn' : 'bad'}">${formatShare(share)}</span>`;
}

function countCell(count: number, tone: 'warn' | 'bad'): HtmlValue {
  return count > 0 ? html`<span class="${tone}">${formatCount(count)}</span>` : '0';
}

function leadTimeCard(report: LatencyReport): SafeHtml {
  const lt = report.leadTime;
  const completed = lt.byEnd.find((e) => e.completed);
  const bins = lt.histogram;
  const chart = bins.length
    ? histogramChart({
        title: 'Lead time of the orders finished in the period',
        edges: [...bins.map((b) => roughDuration(b.fromSeconds)), bins[bins.length - 1]!.toSeconds === null ? 'more' : roughDuration(bins[bins.length - 1]!.toSeconds)],
        bins: bins.map((b) => [b.completed, b.endedOtherwise]),
        series: [
          { label: `completed (${lt.completedState ?? 'final state'})`, color: COLORS.completed },
          { label: 'cancelled or ended otherwise', color: COLORS.other },
        ],
        markers: completed
          ? [
              { label: `p50 ${roughDuration(completed.p50Seconds)}`, position: binPosition(bins, completed.p50Seconds) },
              { label: `p90 ${roughDuration(completed.p90Seconds)}`, position: binPosition(bins, completed.p90Seconds) },
            ]
          : [],
        formatCount: (v) => formatCount(v),
        countTicks: countTicks(largest(bins.map((b) => b.completed + b.endedOtherwise), 0)),
      })
    : '';
  const table = dataTable(
    [{ title: 'Ended as' }, { title: 'Orders', kind: 'num' }, { title: 'p50', kind: 'num' }, { title: 'p90', kind: 'num' }, { title: 'p99', kind: 'num' }],
    lt.byEnd.map((e) => [html`${e.endState}${e.completed ? html` <span class="muted">(completed)</span>` : ''}`, formatCount(e.orders), roughDuration(e.p50Seconds), roughDuration(e.p90Seconds), roughDuration(e.p99Seconds)]),
    'No order finished in this period.',
  );
  return card(
    'Lead time: from the first event to the end',
    'How long the orders that finished in this period took in all, from their first event to their final state. Each column is a range of durations; the dashed lines mark the median and p90 of the completed orders.',
    html`${chart}${table}`,
    'lead-time',
  );
}

/**
 * Where a duration sits on the histogram's axis, in bins from its left edge: linear within its bin
 * (bins are drawn equally wide), the middle of the last, open-ended bin.
 */
export function binPosition(bins: readonly LeadTimeBin[], seconds: number): number {
  const i = bins.findIndex((b) => b.toSeconds === null || seconds < b.toSeconds);
  if (i < 0) return bins.length;
  const bin = bins[i]!;
  if (bin.toSeconds === null) return i + 0.5;
  return i + Math.max(0, Math.min(1, (seconds - bin.fromSeconds) / (bin.toSeconds - bin.fromSeconds)));
}

/**
 * The most days the trend chart draws: a year of bars is too thin to read, so a long period shows its
 * last 92 days (the CSV and JSON day view keep every day).
 */
export const TREND_MAX_DAYS = 92;

function trendCard(report: LatencyReport): SafeHtml {
  const days = report.days.slice(-TREND_MAX_DAYS);
  const capped = report.days.length > days.length;
  const p90s = days.map((d) => d.leadTimeP90Seconds).filter((v): v is number => v !== null);
  const chart = trendChart({
    title: 'Orders completed per day and their p90 lead time',
    points: days.map((d) => ({ label: days.length <= 10 ? formatDay(d.day) : formatDay(d.day).slice(4), stack: [d.ordersCompleted, d.ordersEndedOtherwise], value: d.leadTimeP90Seconds })),
    series: [
      { label: 'completed', color: COLORS.completed },
      { label: 'cancelled or ended otherwise', color: COLORS.other },
    ],
    countTicks: countTicks(largest(days.map((d) => d.ordersCompleted + d.ordersEndedOtherwise), 0)),
    formatCount: (v) => formatCount(v),
    lineLabel: 'p90 lead time of the orders completed that day',
    valueTicks: durationTicks(largest(p90s, 0)),
    formatValue: (v) => roughDuration(v),
  });
  const scope = capped ? ` The last ${TREND_MAX_DAYS} of the period's ${report.days.length} days (the day view, CSV or JSON, has them all).` : '';
  return card('Daily trend', `Orders finished per UTC day, and how long 9 in 10 of the completed ones took (p90 lead time). A gap in the line is a day without completed orders.${scope}`, chart, 'trend');
}

type OrderLink = (orderId: string) => HtmlValue;

function orderLink(linkBase: string | undefined): OrderLink {
  if (linkBase === undefined) return (id) => id;
  return (id) => html`<a href="${safeHref(`${linkBase}/orders/${encodeURIComponent(id)}`)}">${id}</a>`;
}

/** What a page needs to say why an order was lost. */
export type LossFacts = Pick<LostOrder, 'handoffTo' | 'handoffVia' | 'lostAfterSeconds'> & { readonly reason: string | null };

/** Why an order was lost, in plain words: the missed handoff and how the order travels, or the limit it passed. */
export function describeLoss(o: LossFacts): HtmlValue {
  if (o.reason === 'handoff_missed' && o.handoffTo) {
    return html`missed handoff to ${o.handoffTo}${o.handoffVia ? html`<br><span class="muted">${o.handoffVia}</span>` : ''}`;
  }
  if (o.reason === 'lost_after') return o.lostAfterSeconds === null ? 'stayed past its lost-after limit' : `stayed past its ${roughDuration(o.lostAfterSeconds)} lost-after limit`;
  return o.reason ?? '—';
}

function lostCard(report: LatencyReport, link: OrderLink): SafeHtml {
  const lost = report.lost;
  const more = lost.total > lost.orders.length ? `The ${formatCount(lost.orders.length)} latest of ${formatCount(lost.total)} lost orders are listed. ` : '';
  return card(
    'Lost orders',
    `${more}Where each order was when it was lost, and why: it stayed in a state past its lost-after limit, or the next system never picked it up (a missed handoff, e.g. a RabbitMQ message nobody consumed).`,
    dataTable(
      [{ title: 'Order', kind: 'id' }, { title: 'Lost at (UTC)' }, { title: 'Where' }, { title: 'Why' }, { title: 'Segment' }, { title: 'Operator' }, { title: 'Now' }],
      lost.orders.map((o) => [
        link(o.orderId),
        formatShortTime(o.lostAt),
        html`${o.state}${o.system ? html` <span class="muted">(${o.system})</span>` : ''}`,
        describeLoss(o),
        o.segment ?? '—',
        o.operatorId ?? '—',
        statusBadge(o.statusNow),
      ]),
      'No order was lost in this period.',
    ),
    'lost',
  );
}

function slowestCard(report: LatencyReport, link: OrderLink): SafeHtml {
  return card(
    'Slowest orders',
    'The orders that finished in this period and took longest, with the state they spent most time in. Open one to see its timeline.',
    dataTable(
      [{ title: 'Order', kind: 'id' }, { title: 'Lead time', kind: 'num' }, { title: 'Ended as' }, { title: 'Longest in' }, { title: 'Segment' }, { title: 'Operator' }, { title: 'Finished (UTC)' }],
      report.slowest.map((o) => [
        link(o.orderId),
        roughDuration(o.leadTimeSeconds),
        o.endState,
        o.longestState ? html`${o.longestState} <span class="muted">(${roughDuration(o.longestStateSeconds)})</span>` : '—',
        o.segment ?? '—',
        o.operatorId ?? '—',
        formatShortTime(o.finishedAt),
      ]),
      'No order finished in this period.',
    ),
    'slowest',
  );
}

function segmentsCard(report: LatencyReport): SafeHtml {
  return card(
    'By segment',
    'Orders finished per customer segment, the lead time of the completed ones, and how many were flagged stuck or lost.',
    dataTable(
      [
        { title: 'Segment' },
        { title: 'Completed', kind: 'num' },
        { title: 'Ended otherwise', kind: 'num' },
        { title: 'Lead time p50', kind: 'num' },
        { title: 'p90', kind: 'num' },
        { title: 'p99', kind: 'num' },
        { title: 'Stuck', kind: 'num' },
        { title: 'Lost', kind: 'num' },
      ],
      report.segments.map((g) => [
        g.segment === null ? html`<span class="muted">no segment</span>` : g.segment.toUpperCase(),
        formatCount(g.ordersCompleted),
        formatCount(g.ordersEndedOtherwise),
        roughDuration(g.leadTimeP50Seconds),
        roughDuration(g.leadTimeP90Seconds),
        roughDuration(g.leadTimeP99Seconds),
        countCell(g.stuck, 'warn'),
        countCell(g.lost, 'bad'),
      ]),
      'No order finished or was flagged in this period.',
    ),
    'segments',
  );
}

function operatorsCard(report: LatencyReport): SafeHtml {
  const ops = report.operators;
  if (ops.confirmationState === null) {
    return card('By operator', '', html`<p class="empty">The process model names no confirmation state (roles: confirmation), or none with a state before it owned by the same system, so there is no time to confirm to report.</p>`, 'operators');
  }
  const named = ops.rows.filter((o) => o.operatorId !== null).length;
  const even = named > 0 ? 1 / named : null;
  return card(
    'By operator',
    html`Orders each operator handled in ${ops.confirmationState} (taken and confirmed with the customer), their share of all such orders, and their time to confirm: the time the order spent in ${ops.confirmationState}${ops.slaSeconds === null ? '' : `, SLA ${roughDuration(ops.slaSeconds)}`}.${even === null ? '' : ` With ${named} operators an even share is ${formatShare(even)}.`}`,
    dataTable(
      [{ title: 'Operator', kind: 'id' }, { title: 'Orders', kind: 'num' }, { title: 'Share of orders' }, { title: 'Time to confirm p50', kind: 'num' }, { title: 'p90', kind: 'num' }, { title: 'Within SLA', kind: 'num' }],
      ops.rows.map((o) => [
        o.operatorId ?? html`<span class="muted">nobody</span>`,
        formatCount(o.orders),
        shareBar(o.shareOfOrders, even),
        roughDuration(o.timeToConfirmP50Seconds),
        roughDuration(o.timeToConfirmP90Seconds),
        shareCell(o.withinSlaShare),
      ]),
      `No order went through ${ops.confirmationState} in this period.`,
    ),
    'operators',
  );
}

/** A share as a small inline bar with its number; amber when well above an even share. */
function shareBar(share: number, even: number | null): SafeHtml {
  const heavy = even !== null && share >= 1.5 * even;
  const width = Math.round(Math.max(0, Math.min(1, share)) * 160);
  return html`<svg width="164" height="12" class="share" aria-hidden="true"><rect x="0" y="1" width="160" height="10" rx="2" fill="${COLORS.grid}"/><rect x="0" y="1" width="${width}" height="10" rx="2" fill="${heavy ? COLORS.stuck : COLORS.completed}"/></svg> <span class="${heavy ? 'warn' : ''}">${formatShare(share)}</span>`;
}

import type { ProcessModel } from '../../events';
import { card, COLORS, dataTable, formatCount, formatTime, html, kpis, renderPage, roughDuration, stackedBars, type HtmlValue, type Kpi, type SafeHtml } from '../html';
import { mondayOf, utcDay, weekOf } from '../report';
import type { PartitionReading } from '../../bus';
import type { PartitionHeartbeat } from '../heartbeat/latest-heartbeats';
import { lostOrdersTable, orderListHref, stuckOrdersTable, type OrderListKind } from './order-tables';
import type { LostOrderRow, OrderRow, StateOccupancy } from '../store';
import { formatEventTime, secondsBetween, type Micros } from '../timeline';

/** How often the home page reloads itself: it is meant to stay open on a screen. */
export const HOME_REFRESH_SECONDS = 30;

/** What the home page shows, read in one snapshot. */
export interface HomeData {
  readonly model: ProcessModel;
  readonly now: Micros;
  /** Every open state of the model, in model order, with its stuck count. */
  readonly occupancy: readonly StateOccupancy[];
  readonly lostByState: ReadonlyMap<string, number>;
  /** The orders stuck / lost longest in their state, at most a page of each. */
  readonly stuck: readonly OrderRow[];
  readonly lost: readonly LostOrderRow[];
  /** Dead letters waiting for an operator: events set aside because they cannot be applied. */
  readonly deadLetters: number;
  /** The topic's partitions as the broker last showed them; absent when the bus has none (embedded mode). */
  readonly partitions?: readonly PartitionReading[];
  /** The newest collector heartbeat applied per partition, and the collectors' interval (0: off). */
  readonly heartbeats?: { readonly partitions: readonly PartitionHeartbeat[]; readonly intervalMs: number };
}

/**
 * Heartbeat ages, in collector intervals, past which the KPI turns amber and red: a round or two may
 * be late (a rebalance, a slow commit); four missed rounds mean tracking has stopped. The page
 * alert (TrackingHeartbeatStale) has its own, longer threshold, so that the screen warns first.
 */
const HEARTBEAT_WARN_INTERVALS = 2;
const HEARTBEAT_BAD_INTERVALS = 4;

/** The "Tracking heartbeat" KPI: the age of the stalest partition's newest applied heartbeat. */
export function heartbeatKpi(h: NonNullable<HomeData['heartbeats']>, now: Micros): Kpi {
  const label = 'Tracking heartbeat';
  if (h.intervalMs === 0) return { label, value: '—', note: 'collector heartbeats are off (collector.heartbeatIntervalMs)' };
  if (h.partitions.length === 0) return { label, value: '—', note: 'no heartbeat applied since this tracker started', tone: 'warn' };
  const stalest = h.partitions.reduce((a, b) => (b.occurredAtMs < a.occurredAtMs ? b : a));
  const ageSeconds = Math.max(0, (now / 1000 - stalest.occurredAtMs) / 1000);
  const intervals = ageSeconds / (h.intervalMs / 1000);
  const tone = intervals > HEARTBEAT_BAD_INTERVALS ? 'bad' : intervals > HEARTBEAT_WARN_INTERVALS ? 'warn' : 'good';
  const where = h.partitions.length === 1 ? `partition ${stalest.partition}` : `partition ${stalest.partition}, the stalest of ${h.partitions.length}`;
  return { label, value: `${roughDuration(ageSeconds)} ago`, note: where, tone };
}

/** The tracker's pages share this top bar: home, this week's report, metrics, sign out. */
function trackerNav(now: Micros) {
  return [
    { href: '/', label: 'Orders in flight' },
    { href: weekReportHref(now), label: 'This week’s report' },
    { href: '/metrics', label: 'Metrics' },
    { href: '/logout', label: 'Sign out' },
  ];
}

/** Where the top bar's order-id box of every tracker page sends its `id` (home-route.ts opens the order). */
export const ORDER_SEARCH_PATH = '/orders';

/** The top bar of the tracker's pages: the links, and the order-id box. */
export function trackerChrome(now: Micros) {
  return { nav: trackerNav(now), orderSearch: ORDER_SEARCH_PATH };
}

/** This week's HTML report: from Monday (UTC) until now. */
export function weekReportHref(now: Micros): string {
  return `/v1/reports/latency?format=html&from=${mondayOf(now)}`;
}

/**
 * The tracker's home page, what `orderscope up` opens: orders in flight per state (a bar per state:
 * within SLA, stuck, lost), the stuck and lost orders with links to their timelines, and links to the
 * latency reports. No Grafana needed. It reloads itself every {@link HOME_REFRESH_SECONDS} seconds.
 */
export function renderHomePage(d: HomeData): string {
  const lostTable = lostOrdersTable(d.lost, d.model, d.now, 'No order is lost. Good.');
  const stuckTable = stuckOrdersTable(d.stuck, d.model, d.now, 'No order is stuck.');
  const lostLinks = orderListLinks('lost', d.lost.length, d.occupancy.map((o) => [o.state, d.lostByState.get(o.state) ?? 0]));
  const stuckLinks = orderListLinks('stuck', d.stuck.length, d.occupancy.map((o) => [o.state, o.stuck]));
  const partitions = d.partitions && partitionsCard(d.partitions);

  return renderPage({
    title: 'orderscope · orders in flight',
    homeHref: '/',
    ...trackerChrome(d.now),
    refreshSeconds: HOME_REFRESH_SECONDS,
    body: html`<h1>Orders in flight</h1>
      <p class="sub">Process model “${d.model.name}” · as of ${formatTime(formatEventTime(d.now))} · this page reloads every ${HOME_REFRESH_SECONDS} seconds</p>
      ${kpis(homeFigures(d))}
      ${card('Where the orders are', 'Orders in each state of the pipeline now: blue within the state’s SLA, amber stuck past it, red lost.', occupancyChart(d), 'in-flight')}
      ${card('Lost orders', html`Orders the detector declared lost, longest in their state first. Open one to see its timeline.`, html`${lostTable}${lostLinks}`, 'lost')}
      ${card('Stuck orders', 'Orders past their state’s SLA, not lost yet, longest first.', html`${stuckTable}${stuckLinks}`, 'stuck')}
      ${partitions ?? ''}
      ${card('Latency reports', 'Time in each state against the SLAs, lead time, lost and slowest orders, segments and operators, for a period.', reportLinks(d.now), 'reports')}`,
    footer: html`<p>API: <a href="/v1/orders">/v1/orders</a> · <a href="/v1/lost">/v1/lost</a> · <a href="/v1/reports/latency">/v1/reports/latency</a> · <a href="/v1/dead-letters?status=parked">/v1/dead-letters</a> (JSON; send Authorization: Bearer &lt;token&gt;, or sign in here) · <a href="/metrics">/metrics</a> for Prometheus</p>`,
  });
}

/** How long an order has been where it is, as of the page's snapshot. */
function ageOf(since: Micros, now: Micros): number {
  return Math.max(0, secondsBetween(since, now));
}

/** The figures at the top: in flight, stuck, lost, the longest wait, dead letters, the heartbeat. */
function homeFigures(d: HomeData): Kpi[] {
  const lostTotal = [...d.lostByState.values()].reduce((a, b) => a + b, 0);
  const stuckTotal = d.occupancy.reduce((a, o) => a + o.stuck, 0);
  const inFlight = d.occupancy.reduce((a, o) => a + o.orders, 0);
  const oldest = d.occupancy.filter((o) => o.oldestSince !== null).sort((a, b) => a.oldestSince! - b.oldestSince!)[0];
  return [
    { label: 'Orders in flight', value: formatCount(inFlight), note: 'in a state that is not final' },
    { label: 'Stuck', value: formatCount(stuckTotal), note: 'past their state’s SLA', ...(stuckTotal > 0 && { tone: 'warn' }) },
    { label: 'Lost', value: formatCount(lostTotal), note: 'past lost-after, or a missed handoff', tone: lostTotal > 0 ? 'bad' : 'good' },
    { label: 'Longest wait', value: oldest ? roughDuration(ageOf(oldest.oldestSince!, d.now)) : '—', note: oldest ? `in ${oldest.state}` : 'nothing in flight' },
    {
      label: 'Dead letters',
      value: formatCount(d.deadLetters),
      note: d.deadLetters > 0 ? 'events set aside, not applied: see /v1/dead-letters' : 'every event received was applied',
      tone: d.deadLetters > 0 ? 'bad' : 'good',
    },
    ...(d.heartbeats ? [heartbeatKpi(d.heartbeats, d.now)] : []),
  ];
}

/** A bar per open state: within SLA, stuck, lost, with the oldest order's age against the SLA. */
function occupancyChart(d: HomeData): SafeHtml {
  return stackedBars(
    'Orders in flight per state',
    d.occupancy.map((o) => {
      const lost = d.lostByState.get(o.state) ?? 0;
      const sla = d.model.state(o.state)?.expectWithinSeconds;
      const oldestText = o.oldestSince === null ? '' : ` · oldest ${roughDuration(ageOf(o.oldestSince, d.now))}${sla ? ` (SLA ${roughDuration(sla)})` : ''}`;
      return {
        label: d.model.labelOf(o.state),
        parts: [Math.max(0, o.orders - o.stuck - lost), o.stuck, lost],
        caption: o.orders === 0 ? 'none' : `${formatCount(o.orders)} ${o.orders === 1 ? 'order' : 'orders'}${o.stuck ? ` · ${formatCount(o.stuck)} stuck` : ''}${lost ? ` · ${formatCount(lost)} lost` : ''}${oldestText}`,
      };
    }),
    [
      { label: 'within SLA', color: COLORS.ok },
      { label: 'stuck', color: COLORS.stuck },
      { label: 'lost', color: COLORS.lost },
    ],
  );
}

/** Below a table: how many there are, and the pages that list them all, in all and per state. */
function orderListLinks(kind: OrderListKind, shown: number, perState: readonly (readonly [string, number])[]): HtmlValue {
  const total = perState.reduce((a, [, n]) => a + n, 0);
  if (total === 0) return '';
  const states = perState.filter(([, n]) => n > 0).map(([state, n]) => html` <a href="${orderListHref(kind, { state })}">${state} (${formatCount(n)})</a>`);
  const shownText = total > shown ? `The ${formatCount(shown)} longest of ${formatCount(total)}. ` : '';
  return html`<p class="links muted">${shownText}<a href="${orderListHref(kind, {})}">All ${kind} orders</a> by state:${states}</p>`;
}

/** Links to the latency reports of the usual periods, as pages and as spreadsheets. */
function reportLinks(now: Micros): SafeHtml {
  const day = 86_400_000_000;
  const lastWeek = weekOf(now - 7 * day);
  return html`<p class="links">
      <a href="${weekReportHref(now)}">This week’s report</a>
      <a href="/v1/reports/latency?format=html">The last 7 days</a>
      <a href="/v1/reports/latency?format=html&amp;from=${lastWeek.from}&amp;to=${lastWeek.to}">Last week</a>
      <a href="/v1/reports/latency?format=html&amp;from=${utcDay(now - 30 * day)}">The last 30 days</a></p>
    <p class="links muted">Spreadsheets (CSV) of the last 7 days:
      <a href="/v1/reports/latency?format=csv&amp;group_by=state">by state</a>
      <a href="/v1/reports/latency?format=csv&amp;group_by=segment">by segment</a>
      <a href="/v1/reports/latency?format=csv&amp;group_by=operator">by operator</a>
      <a href="/v1/reports/latency?format=csv&amp;group_by=day">by day</a></p>`;
}

/** What each partition status means to the reader of the home page. */
const PARTITION_STATUS_TEXT: Record<PartitionReading['status'], string> = {
  ok: 'ok',
  lagging: 'lagging: falling behind',
  stalled: 'stalled: not moving',
  rewound: 'rewound: offset went back',
  unowned: 'unowned: no tracker reads it',
};

/**
 * The tracking pipeline itself: each partition of the topic as the broker shows it (the tracker
 * group's committed offset against the newest message), so that a partition that stopped moving is
 * seen here and not only as orders that look stuck.
 */
function partitionsCard(partitions: readonly PartitionReading[]): SafeHtml {
  const bad = partitions.filter((p) => p.status !== 'ok').length;
  const table = dataTable(
    [{ title: 'Partition', kind: 'num' }, { title: 'Status' }, { title: 'Waiting', kind: 'num' }, { title: 'Not moving for', kind: 'num' }, { title: 'Committed offset', kind: 'num' }],
    partitions.map((p) => [
      String(p.partition),
      p.status === 'ok' ? PARTITION_STATUS_TEXT.ok : html`<strong>${PARTITION_STATUS_TEXT[p.status]}</strong>`,
      formatCount(p.lag),
      p.lag > 0 ? roughDuration(p.lagSeconds) : '—',
      formatCount(p.committed),
    ]),
    'No reading of the broker yet.',
  );
  const intro = bad === 0 ? 'Every partition of the order-event topic is being applied.' : `${bad} of ${partitions.length} partitions are not ok: orders on them are not being tracked (see the TrackingStalled runbook).`;
  return card('Tracking, per partition', intro, table, 'partitions');
}

/** The sign-in page: a form for an API token with the read scope. `error` is ours, never the token. */
export function renderLoginPage(options: { readonly next: string; readonly error?: string }): string {
  return renderPage({
    title: 'orderscope · sign in',
    body: html`<h1>Sign in</h1>
      <p class="sub">The tracker’s pages need an API token with the read scope.</p>
      ${card(
        'API token',
        html`Paste a token. <code>orderscope up</code> keeps its own in the file <code>token</code> of its data directory (<code>.orderscope/token</code> by default). The browser keeps it in a cookie until it closes.`,
        html`${options.error ? html`<p class="error">${options.error}</p>` : ''}
          ${loginForm(html`<input type="password" name="token" placeholder="osk_…" autocomplete="off" required aria-label="API token">`, options.next)}`,
      )}`,
  });
}

/**
 * The page a sign-in link (`/?token=`) lands on: it asks before signing in, because a link can come
 * from anyone; only the button, a form of this very page, signs the browser in. The token travels on
 * in a hidden field (it is already in this page's URL); it is never shown.
 */
export function renderSignInConfirmPage(options: { readonly host: string; readonly token: string; readonly next: string }): string {
  return renderPage({
    title: 'orderscope · sign in?',
    body: html`<h1>Sign in to orderscope at ${options.host}?</h1>
      <p class="sub">A link asks to sign this browser in with an API token.</p>
      ${card(
        'Sign in with the token of the link',
        html`Go on only if you opened the link that <code>orderscope up</code> printed, or one your team gave you. Otherwise close this page: a link from elsewhere could sign you in as someone else, and what you do here would be theirs.`,
        html`${loginForm(html`<input type="hidden" name="token" value="${options.token}">`, options.next)}
          <p class="muted"><a href="/">No, take me to the sign-in form</a></p>`,
      )}`,
  });
}

/** The form both sign-in pages post to /login: the caller's token field, where to go next, the button. */
function loginForm(tokenField: SafeHtml, next: string): SafeHtml {
  return html`<form class="login" method="post" action="/login">
            ${tokenField}
            <input type="hidden" name="next" value="${next}">
            <button type="submit">Sign in</button>
          </form>`;
}

/** A page saying an order is unknown (the HTML twin of the API's 404). */
export function renderNotFoundPage(message: string, now: Micros): string {
  return noticePage('Not found', message, now);
}

/** A page saying what is wrong with the URL and what to write instead (the HTML twin of the API's 400). */
export function renderBadRequestPage(message: string, now: Micros): string {
  return noticePage('Not a valid address', message, now);
}

function noticePage(heading: string, message: string, now: Micros): string {
  return renderPage({ title: `orderscope · ${heading.toLowerCase()}`, homeHref: '/', ...trackerChrome(now), body: html`<h1>${heading}</h1><div class="notice">${message}</div>` });
}

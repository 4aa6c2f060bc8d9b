import type { ProcessModel } from '../../events';
import { card, formatTime, html, renderPage, roughDuration, type HtmlValue } from '../html';
import type { LostOrderRow, OrderRow } from '../store';
import { formatEventTime, type Micros } from '../timeline';
import { trackerChrome } from './home-page';
import { DEFAULT_PAGE_SIZE } from './list-query';
import { lostOrdersTable, orderListHref, stuckOrdersTable, withQuery, type OrderListKind } from './order-tables';

/** One page of a list of lost or stuck orders, as read from the store, and how it was asked for. */
export type OrderListPageData = {
  readonly model: ProcessModel;
  readonly now: Micros;
  readonly filter: { readonly state?: string; readonly segment?: string };
  readonly limit: number;
  /** The cursor this page starts at; absent on the first page. */
  readonly cursor?: string;
  /** The cursor of the next page; null on the last one. */
  readonly nextCursor: string | null;
} & ({ readonly kind: 'lost'; readonly rows: readonly LostOrderRow[] } | { readonly kind: 'stuck'; readonly rows: readonly OrderRow[] });

const WHAT: Record<OrderListKind, { readonly title: string; readonly intro: string; readonly none: string }> = {
  lost: {
    title: 'Lost orders',
    intro:
      'Orders the detector declared lost: in their state past its lost-after limit, or not picked up by the next system within a handoff’s window. ' +
      'A lost order recovers by itself when its next event arrives.',
    none: 'No order is lost',
  },
  stuck: {
    title: 'Stuck orders',
    intro: 'Orders in their state past its SLA (expect_within), not lost yet. Each becomes lost past its state’s lost-after limit.',
    none: 'No order is stuck',
  },
};

/**
 * The page of lost (`GET /lost`) or stuck (`GET /stuck`) orders, by state and segment: what an
 * OrderLost or OrdersStuck alert's `orders_url` opens. The same list as the API's (`/v1/lost`,
 * `/v1/orders?status=stuck`), with the same filters and cursor, which it links to as JSON; each row
 * links to the order's page.
 */
export function renderOrderListPage(d: OrderListPageData): string {
  const { kind, filter } = d;
  const what = WHAT[kind];
  // A page size other than the default is kept in every link of the page.
  const limit = d.limit === DEFAULT_PAGE_SIZE ? undefined : d.limit;
  const where = [filter.state !== undefined && `in ${filter.state}`, filter.segment !== undefined && `of segment ${filter.segment}`].filter(Boolean).join(', ');
  const heading = where ? `${what.title} ${where}` : what.title;
  const empty = `${what.none}${where ? ` ${where}` : ''}.`;
  const table = d.kind === 'lost' ? lostOrdersTable(d.rows, d.model, d.now, empty) : stuckOrdersTable(d.rows, d.model, d.now, empty);
  const pager = [
    d.cursor !== undefined ? html`<a href="${orderListHref(kind, { ...filter, limit })}">First page</a>` : '',
    d.nextCursor !== null ? html`<a href="${orderListHref(kind, { ...filter, limit, cursor: d.nextCursor })}">Next page →</a>` : '',
  ];
  const thisPage = { ...filter, limit, cursor: d.cursor };
  const api = kind === 'lost' ? withQuery('/v1/lost', thisPage) : withQuery('/v1/orders', { status: 'stuck', ...thisPage });

  return renderPage({
    title: `orderscope · ${heading.toLowerCase()}`,
    homeHref: '/',
    ...trackerChrome(d.now),
    body: html`<h1>${heading}</h1>
      <p class="sub">Process model “${d.model.name}” · as of ${formatTime(formatEventTime(d.now))}</p>
      <p>${what.intro}${filter.state !== undefined ? html` ${describeState(d.model, filter.state)}` : ''}</p>
      ${card(
        `${d.rows.length === 0 ? 'Orders' : d.rows.length === 1 ? '1 order' : `${d.rows.length} orders`}${d.cursor === undefined ? '' : ' (a later page)'}, longest in their state first`,
        'Open one for its timeline, its status history and the traces of its events.',
        html`${filterLinks(d, limit)}${table}${d.cursor !== undefined || d.nextCursor !== null ? html`<p class="links">${pager}</p>` : ''}`,
        kind,
      )}`,
    footer: html`<p>The same list as JSON: <a href="${api}">${api}</a> (send Authorization: Bearer &lt;token&gt;, or sign in here).</p>`,
  });
}

/**
 * Links that change the filter, each to the first page of the new list: every open state of the
 * model, and the segments of the orders shown (or every segment again).
 */
function filterLinks(d: OrderListPageData, limit: number | undefined): HtmlValue {
  const { state, segment } = d.filter;
  const link = (label: string, to: { state?: string | undefined; segment?: string | undefined }, current: boolean) => {
    const a = html`<a href="${orderListHref(d.kind, { ...to, limit })}">${label}</a>`;
    return current ? html` <strong>${a}</strong>` : html` ${a}`;
  };
  const states = [link('every state', { segment }, state === undefined), ...d.model.openStates().map((s) => link(s.name, { state: s.name, segment }, state === s.name))];
  const shown = [...new Set(d.rows.map((o) => o.segment).filter((s): s is string => s !== null))].sort();
  const segments =
    segment !== undefined
      ? [link(segment, { state, segment }, true), link('every segment', { state }, false)]
      : shown.length > 0
        ? [link('every segment', { state }, true), ...shown.map((s) => link(s, { state, segment: s }, false))]
        : [];
  return html`<p class="links muted">State:${states}</p>${segments.length ? html`<p class="links muted">Segment:${segments}</p>` : ''}`;
}

/** What the model says of a state: its owner, SLA, lost-after limit and handoffs. */
function describeState(model: ProcessModel, name: string): string {
  const state = model.state(name);
  if (!state) return `${name} is not a state of the process model “${model.name}”: only orders left there under an earlier model can be listed.`;
  const limits = [
    state.expectWithinSeconds !== undefined && `SLA ${roughDuration(state.expectWithinSeconds)}`,
    state.lostAfterSeconds !== undefined && `lost after ${roughDuration(state.lostAfterSeconds)}`,
  ].filter(Boolean);
  const handoffs = model.handoffsFrom(name).map((h) => `${h.to} (${h.toSystem}) must follow within ${roughDuration(h.withinSeconds)}${h.via ? ` via ${h.via}` : ''}`);
  const called = state.label === name ? name : `${name} (“${state.label}”)`;
  return `${called} is owned by ${state.system}${limits.length ? `; ${limits.join(', ')}` : ''}${handoffs.length ? `; ${handoffs.join(', or ')}` : ''}.`;
}

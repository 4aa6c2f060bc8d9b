import type { ProcessModel } from '../../events';
import { dataTable, html, roughDuration, type HtmlValue, type SafeHtml } from '../html';
import { describeLoss } from '../report';
import type { LostOrderRow, OrderRow } from '../store';
import { secondsBetween, type Micros } from '../timeline';

/*
 * The tables of lost and stuck orders, as the home page and the list pages (/lost, /stuck) show them:
 * each row links to the order's timeline page.
 */

/** The two list pages: lost orders (`/lost`) and stuck ones (`/stuck`). */
export type OrderListKind = 'lost' | 'stuck';

/** The query of a list page (`/lost`, `/stuck`), as the API's lists take it; absent keys are left out. */
export interface OrderListParams {
  readonly state?: string | undefined;
  readonly segment?: string | undefined;
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

/** `path` with the given query parameters, in the given order, leaving out those that are undefined. */
export function withQuery(path: string, params: Readonly<Record<string, string | number | undefined>>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** The address of a list page, e.g. `/lost?state=pricing&segment=b2b`. */
export function orderListHref(kind: OrderListKind, params: OrderListParams): string {
  return withQuery(`/${kind}`, { state: params.state, segment: params.segment, limit: params.limit, cursor: params.cursor });
}

/** An order id as a link to its timeline page. */
export const orderLink = (id: string): HtmlValue => html`<a href="/orders/${encodeURIComponent(id)}">${id}</a>`;

/** Seconds from `since` to `now`, never negative (a clock a little behind an event's time). */
const age = (since: Micros, now: Micros) => Math.max(0, secondsBetween(since, now));

/** Lost orders: where (state, owner), why (lost-after, or the missed handoff and its queue), for how long, segment, operator. */
export function lostOrdersTable(rows: readonly LostOrderRow[], model: ProcessModel, now: Micros, emptyText: string): SafeHtml {
  return dataTable(
    [{ title: 'Order', kind: 'id' }, { title: 'Lost in' }, { title: 'Why' }, { title: 'In the state for', kind: 'num' }, { title: 'Segment' }, { title: 'Operator' }],
    rows.map((o) => [
      orderLink(o.orderId),
      html`${model.labelOf(o.state)} <span class="muted">(${o.system})</span>`,
      describeLoss({
        reason: o.reason,
        handoffTo: o.handoffTo,
        handoffVia: model.handoffsFrom(o.state).find((h) => h.to === o.handoffTo)?.via ?? null,
        lostAfterSeconds: model.state(o.state)?.lostAfterSeconds ?? null,
      }),
      roughDuration(age(o.stateSince, now)),
      o.segment ?? '—',
      o.operatorId ?? '—',
    ]),
    emptyText,
  );
}

/** Stuck orders: where (state, owner), for how long against the state's SLA, segment, operator. */
export function stuckOrdersTable(rows: readonly OrderRow[], model: ProcessModel, now: Micros, emptyText: string): SafeHtml {
  return dataTable(
    [{ title: 'Order', kind: 'id' }, { title: 'Stuck in' }, { title: 'For', kind: 'num' }, { title: 'SLA', kind: 'num' }, { title: 'Segment' }, { title: 'Operator' }],
    rows.map((o) => [
      orderLink(o.orderId),
      html`${model.labelOf(o.state)} <span class="muted">(${o.system})</span>`,
      roughDuration(age(o.stateSince, now)),
      roughDuration(model.state(o.state)?.expectWithinSeconds ?? null),
      o.segment ?? '—',
      o.operatorId ?? '—',
    ]),
    emptyText,
  );
}

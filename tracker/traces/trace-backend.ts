/**
 * Where the tracker's trace links lead: one small object per trace backend that turns a trace id into
 * the backend's page of that trace, and an order id into the backend's search for every span tagged
 * `order.id` (the attribute the agents set on each span that touches an order). Pure: no I/O.
 *
 * With no backend configured there are no links at all: a link to a port where nothing listens is
 * worse than none (the demo used to print such links).
 */

import type { Config } from '../../common';
import { ORDER_ID_ATTRIBUTE } from '../../events';

/** The trace backends the tracker can link to (tracker.traceBackend); `none` gives no links. */
export type TraceBackendKind = Config['tracker']['traceBackend'];

export interface TraceBackend {
  readonly kind: TraceBackendKind;
  /** The backend's page of one trace (the span highlighted where the backend can); null without a trace id or a backend. */
  traceUrl(traceId: string | null, spanId?: string | null): string | null;
  /** The backend's search for every trace with a span tagged `order.id` = `orderId`; null without a backend. */
  searchUrl(orderId: string): string | null;
}


/**
 * The backend of `kind` at `baseUrl`:
 * - zipkin: the Zipkin server (e.g. http://127.0.0.1:9411): its UI's trace page and its
 *   `annotationQuery` search (`order.id=<id>`, which matches span tags);
 * - jaeger: the Jaeger UI (e.g. http://127.0.0.1:16686): `/trace/<id>?uiFind=<span>` and the tag search;
 * - tempo: Grafana (e.g. http://127.0.0.1:3000) with a Tempo data source of uid `tempo` (as
 *   deploy/grafana provisions it): Explore with the trace id, or the TraceQL query
 *   `{ span."order.id" = "<id>" }`.
 */
export function traceBackend(kind: TraceBackendKind, baseUrl: string): TraceBackend {
  const base = baseUrl.replace(/\/+$/, '');
  const at = (path: string) => `${base}${path}`;
  const id = (traceId: string | null) => (traceId ? encodeURIComponent(traceId) : null);
  switch (kind) {
    case 'none':
      return { kind, traceUrl: () => null, searchUrl: () => null };
    case 'zipkin':
      return {
        kind,
        traceUrl: (traceId) => (id(traceId) ? at(`/zipkin/traces/${id(traceId)}`) : null),
        searchUrl: (orderId) => at(`/zipkin/?annotationQuery=${encodeURIComponent(`${ORDER_ID_ATTRIBUTE}=${orderId}`)}`),
      };
    case 'jaeger':
      return {
        kind,
        traceUrl: (traceId, spanId) => (id(traceId) ? at(`/trace/${id(traceId)}${spanId ? `?uiFind=${encodeURIComponent(spanId)}` : ''}`) : null),
        searchUrl: (orderId) => at(`/search?tags=${encodeURIComponent(JSON.stringify({ [ORDER_ID_ATTRIBUTE]: orderId }))}`),
      };
    case 'tempo':
      return {
        kind,
        traceUrl: (traceId) => (traceId ? grafanaExplore(base, traceId) : null),
        searchUrl: (orderId) => grafanaExplore(base, tempoOrderQuery(orderId)),
      };
  }
}

/** The TraceQL query of every span tagged with the order: `{ span."order.id" = "SO-1" }`. */
export function tempoOrderQuery(orderId: string): string {
  return `{ span."${ORDER_ID_ATTRIBUTE}" = ${JSON.stringify(orderId)} }`;
}

/** Grafana's Explore on the Tempo data source with one TraceQL query (a trace id is one too). */
function grafanaExplore(base: string, query: string): string {
  const left = { datasource: 'tempo', queries: [{ refId: 'A', datasource: { type: 'tempo', uid: 'tempo' }, queryType: 'traceql', query }] };
  return `${base}/explore?left=${encodeURIComponent(JSON.stringify(left))}`;
}

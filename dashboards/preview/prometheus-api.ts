/**
 * The few calls of Prometheus' HTTP API the dashboard preview (and the e2e suite) make: a range query,
 * an instant query and the values of a label. Every answer is checked: an error of Prometheus (a query
 * that does not parse, say) is thrown with Prometheus' own message.
 */

/** One series of a range query: its labels and its points (seconds since the epoch, value). */
export interface RangeSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly points: readonly (readonly [number, number])[];
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

/** Thrown for a query Prometheus refused (bad_data: it did not parse, or cannot be evaluated). */
export class PrometheusQueryError extends Error {
  constructor(
    readonly expr: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`Prometheus refused ${expr}: ${errorType}: ${message}`);
    this.name = 'PrometheusQueryError';
  }
}

async function call<T>(base: string, path: string, params: Record<string, string>, what: string, method: 'GET' | 'POST'): Promise<T> {
  const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
  const form = new URLSearchParams(params);
  if (method === 'GET') url.search = form.toString();
  const res = await fetch(url, { method, ...(method === 'POST' && { body: form }), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let answer: ApiAnswer<T>;
  try {
    answer = JSON.parse(text) as ApiAnswer<T>;
  } catch {
    throw new Error(`Prometheus at ${base} answered ${res.status} to ${path}, not JSON: ${text.slice(0, 200)}`);
  }
  if (answer.status !== 'success' || answer.data === undefined) throw new PrometheusQueryError(what, answer.errorType ?? String(res.status), answer.error ?? text.slice(0, 200));
  return answer.data;
}

/** `/api/v1/query_range` from `start` to `end` (seconds since the epoch) every `step` seconds. */
export async function queryRange(base: string, expr: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
  const data = await call<{ resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] }>(
    base,
    'api/v1/query_range',
    { query: expr, start: String(start), end: String(end), step: String(step) },
    expr,
    // POST: a long expression would not fit in a URL (Prometheus takes both).
    'POST',
  );
  return data.result.map((r) => ({ metric: r.metric, points: r.values.map(([t, v]) => [t, Number(v)] as const) }));
}

/** `/api/v1/label/<label>/values`, of the series that match `match` (a selector) between start and end. */
export async function labelValues(base: string, label: string, match: string, start: number, end: number): Promise<string[]> {
  return call<string[]>(base, `api/v1/label/${encodeURIComponent(label)}/values`, { 'match[]': match, start: String(start), end: String(end) }, `label_values(${match}, ${label})`, 'GET');
}

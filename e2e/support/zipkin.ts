/** A span as Zipkin's v2 API returns it (span names are lower case there: Zipkin normalises them). */
export interface ZipkinSpan {
  readonly traceId: string;
  readonly id: string;
  readonly parentId?: string;
  readonly name?: string;
  readonly kind?: string;
  readonly localEndpoint?: { readonly serviceName?: string };
  readonly tags?: Readonly<Record<string, string>>;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T | undefined }> {
  const res = await fetch(url);
  return { status: res.status, body: res.ok ? ((await res.json()) as T) : undefined };
}

/**
 * Zipkin's search of the traces with a span tagged `order.id` = `orderId`, as the tracker's search link
 * asks, over the time since `sinceMs` only (the server outlives test runs).
 */
export async function zipkinTracesOfOrder(zipkinUrl: string, orderId: string, sinceMs: number): Promise<ZipkinSpan[][]> {
  const now = Date.now();
  const query = new URLSearchParams({ annotationQuery: `order.id=${orderId}`, endTs: String(now), lookback: String(now - sinceMs + 60_000), limit: '100' });
  const { status, body } = await getJson<ZipkinSpan[][]>(`${zipkinUrl}/api/v2/traces?${query}`);
  if (status !== 200) throw new Error(`Zipkin's search for order ${orderId} answered ${status}`);
  return body!;
}

/** The spans of one trace; none when Zipkin does not have it (yet). */
export async function zipkinTrace(zipkinUrl: string, traceId: string): Promise<ZipkinSpan[]> {
  const { status, body } = await getJson<ZipkinSpan[]>(`${zipkinUrl}/api/v2/trace/${traceId}`);
  if (status === 404) return [];
  if (status !== 200) throw new Error(`Zipkin answered ${status} for trace ${traceId}`);
  return body!;
}

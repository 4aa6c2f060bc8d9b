import { tempoOrderQuery, traceBackend } from './trace-backend';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('trace links of each backend', () => {
  it('gives no links at all without a backend', () => {
    const none = traceBackend('none', '');
    expect([none.traceUrl(TRACE, SPAN), none.searchUrl('SO-1')]).toEqual([null, null]);
  });

  it("links Zipkin's trace page and its annotationQuery search by order.id", () => {
    const zipkin = traceBackend('zipkin', 'http://127.0.0.1:9411/');
    expect(zipkin.traceUrl(TRACE, SPAN)).toBe(`http://127.0.0.1:9411/zipkin/traces/${TRACE}`);
    expect(zipkin.searchUrl('SO 1/2')).toBe('http://127.0.0.1:9411/zipkin/?annotationQuery=order.id%3DSO%201%2F2');
  });

  it("links Jaeger's trace page with the span found, and its tag search", () => {
    const jaeger = traceBackend('jaeger', 'https://jaeger.example');
    expect(jaeger.traceUrl(TRACE, SPAN)).toBe(`https://jaeger.example/trace/${TRACE}?uiFind=${SPAN}`);
    expect(jaeger.traceUrl(TRACE, null)).toBe(`https://jaeger.example/trace/${TRACE}`);
    expect(decodeURIComponent(jaeger.searchUrl('SO-1')!)).toBe('https://jaeger.example/search?tags={"order.id":"SO-1"}');
  });

  it("links Tempo through Grafana's Explore: the trace id, or the TraceQL query of the order", () => {
    const tempo = traceBackend('tempo', 'https://grafana.example');
    const queryOf = (url: string | null) => (JSON.parse(new URL(url!).searchParams.get('left')!) as { datasource: string; queries: { query: string }[] });
    expect(tempo.traceUrl(TRACE)!.startsWith('https://grafana.example/explore?left=')).toBe(true);
    expect(queryOf(tempo.traceUrl(TRACE))).toMatchObject({ datasource: 'tempo', queries: [{ query: TRACE }] });
    expect(queryOf(tempo.searchUrl('SO-"1"')).queries[0]!.query).toBe('{ span."order.id" = "SO-\\"1\\"" }');
    expect(tempoOrderQuery('SO-1')).toBe('{ span."order.id" = "SO-1" }');
  });

  it('gives no trace link for an event without a trace id', () => {
    expect(traceBackend('zipkin', 'http://z').traceUrl(null, SPAN)).toBeNull();
  });
});

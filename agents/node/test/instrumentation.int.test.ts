/**
 * The SDK inside a real host process: the host (a child process, because OpenTelemetry instruments
 * modules only when they are required after it started) serves a request that tracks an order. The
 * test checks what a developer relies on: the order event reaches the collector with the request's
 * trace ids, the span carries order.id, the log line carries the same trace_id, express, pg and
 * amqplib produce spans, and /metrics has the RED and agent metrics.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { forkTs, RecordingCollector, TEST_TOKEN, waitFor, type TsChild } from '../../test/harness';
import { decodeOtlpTraces, type OtlpSpan } from '../../test/otlp-traces';

/** Receives OTLP/HTTP trace exports, protobuf or JSON, like a local OpenTelemetry Collector would. */
async function startTraceSink(): Promise<{ server: Server; url: string; spans: OtlpSpan[]; contentTypes: Set<string | undefined> }> {
  const spans: OtlpSpan[] = [];
  const contentTypes = new Set<string | undefined>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      contentTypes.add(req.headers['content-type']);
      spans.push(...decodeOtlpTraces(Buffer.concat(chunks), req.headers['content-type']));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, spans, contentTypes };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes[key];
  return typeof value === 'string' ? value : undefined;
};

describe('the SDK in an instrumented host process', () => {
  let collector: RecordingCollector;
  let sink: Awaited<ReturnType<typeof startTraceSink>>;
  let host: TsChild | undefined;
  let spoolDir: string;

  beforeAll(async () => {
    collector = await RecordingCollector.start();
    sink = await startTraceSink();
    spoolDir = mkdtempSync(path.join(os.tmpdir(), 'orderscope-host-'));
  });
  afterAll(async () => {
    await host?.kill();
    await collector.close();
    await new Promise((r) => sink.server.close(r));
    rmSync(spoolDir, { recursive: true, force: true });
  });

  // Protobuf is the default encoding (OpenTelemetry's); JSON is what OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json asks for.
  // The second run also asks for the spans of BEGIN and COMMIT, which are left out by default; the
  // third leaves pg's instrumentation out (OTEL_NODE_DISABLED_INSTRUMENTATIONS), and keeps the rest.
  it.each([
    ['http/protobuf', 'application/x-protobuf', 'SO-2026-000042', false, ''],
    ['http/json', 'application/json', 'SO-2026-000043', true, ''],
    ['http/protobuf', 'application/x-protobuf', 'SO-2026-000044', false, 'pg'],
  ])('links the order event, the span (order.id), the log line and the metrics of one request (spans over OTLP %s as %s, order %s, transaction spans %s, instrumentations disabled: "%s")', async (protocol, contentType, orderId, transactionSpans, disabled) => {
    sink.spans.length = 0;
    sink.contentTypes.clear();
    host = forkTs(path.join(__dirname, 'fixtures/host-app.ts'), [], {
      ...(protocol === 'http/json' ? { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol } : {}),
      ...(disabled ? { OTEL_NODE_DISABLED_INSTRUMENTATIONS: disabled } : {}),
      COLLECTOR_URL: collector.url,
      TOKEN: TEST_TOKEN,
      SPOOL_DIR: spoolDir,
      TRACES_URL: sink.url,
      TRANSACTION_SPANS: String(transactionSpans),
      PG_URL: process.env.ORDERSCOPE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      AMQP_URL: process.env.ORDERSCOPE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    });
    const { port } = await host.next<{ port: number }>('ready');
    const base = `http://127.0.0.1:${port}`;

    const answer = (await (await fetch(`${base}/orders/${orderId}/placed`, { method: 'POST' })).json()) as { event_id: string };
    expect((await fetch(`${base}/probe`)).status).toBe(200);
    await waitFor('the order event at the collector', () => collector.deliveries.has(answer.event_id), 10_000);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    await host.ask({ type: 'shutdown' }, 'stopped');

    // The event: from the shop, with the trace ids of the request that tracked it.
    const event = collector.events.find((e) => e.event_id === answer.event_id);
    expect(event).toMatchObject({ event_id: answer.event_id, order_id: orderId, source: 'shop', state: 'placed', attributes: { segment: 'b2b' } });
    expect(event!.trace_id).toMatch(/^[0-9a-f]{32}$/);

    // The spans came in the encoding asked for.
    expect([...sink.contentTypes]).toEqual([contentType]);

    // The span that tracked it carries the order id, so traces can be searched by order.
    const tagged = sink.spans.find((s) => attribute(s, 'order.id') === orderId);
    expect(tagged).toBeDefined();
    expect(tagged!.traceId).toBe(event!.trace_id);
    expect(tagged!.spanId).toBe(event!.span_id);
    expect(attribute(tagged!, 'order.state')).toBe('placed');

    // The request's span is named by its express route; pg (unless disabled) and amqplib were instrumented because they were loaded after startAgent.
    const pgTraced = disabled !== 'pg';
    expect(sink.spans.some((s) => attribute(s, 'http.route') === '/orders/:id/:state' && s.traceId === event!.trace_id)).toBe(true);
    expect(sink.spans.some((s) => attribute(s, 'db.system') === 'postgresql' || attribute(s, 'db.system.name') === 'postgresql')).toBe(pgTraced);
    expect(sink.spans.some((s) => attribute(s, 'messaging.system') === 'rabbitmq')).toBe(true);
    // The two requests' transactions: the probe's SELECT has a span; BEGIN and COMMIT have one only when asked.
    const statements = sink.spans.map((s) => s.name.replace(/ .*/, '')).filter((name) => name.startsWith('pg.query:'));
    const expected = transactionSpans ? ['pg.query:BEGIN', 'pg.query:BEGIN', 'pg.query:COMMIT', 'pg.query:COMMIT', 'pg.query:SELECT'] : ['pg.query:SELECT'];
    expect(statements.sort()).toEqual(pgTraced ? expected : []);
    // The agent's own RED middleware and its POSTs to the collector add no spans to the host's traces.
    expect(sink.spans.some((s) => s.name.startsWith('middleware - '))).toBe(false);
    expect(sink.spans.some((s) => (attribute(s, 'url.full') ?? attribute(s, 'http.url') ?? '').includes('/v1/events'))).toBe(false);

    // The log line written inside the request carries the same trace.
    const line = JSON.parse(await host.line('the log line of the request', (l) => l.includes('order state changed'))) as Record<string, unknown>;
    expect(line).toMatchObject({ order_id: orderId, trace_id: event!.trace_id, service: 'shop' });
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);

    // RED metrics by route pattern, and the agent's own counters, on the agent's registry.
    expect(metrics).toContain('orderscope_http_server_requests_total{method="POST",route="/orders/:id/:state",status="200"} 1');
    expect(metrics).toContain('orderscope_agent_events_tracked_total 1');
    expect(metrics).toContain('orderscope_agent_events_sent_total 1');
    expect(metrics).toContain('orderscope_agent_dropped_total{reason="invalid"} 0');
    expect(await host.exited).toBe(0);
  }, 60_000);

  it('runs preloaded with --require agents/node/register, and delivers what is buffered when SIGTERM ends the process', async () => {
    const app = forkTs(path.join(__dirname, 'fixtures/preloaded-app.ts'), [], {
      ORDERSCOPE_AGENT_SERVICE: 'crm',
      ORDERSCOPE_COLLECTOR_URL: collector.url,
      ORDERSCOPE_TOKEN: TEST_TOKEN,
      ORDERSCOPE_AGENT_SPOOL_DIR: path.join(spoolDir, 'preloaded'),
      OTEL_TRACES_EXPORTER: 'none',
    }, [path.join(__dirname, '../register.ts')]);
    host = app;
    const { port } = await app.next<{ port: number }>('ready');
    const ids: string[] = [];
    for (const order of ['CRM-1', 'CRM-2', 'CRM-3']) {
      const answer = (await (await fetch(`http://127.0.0.1:${port}/orders/${order}/assigned`, { method: 'POST' })).json()) as { event_id: string };
      ids.push(answer.event_id);
    }
    // Before the linger time is up: the events are still in memory when the signal comes.
    app.process.kill('SIGTERM');
    expect(await app.exited).toBe('SIGTERM');
    const delivered = collector.events.filter((e) => ids.includes(e.event_id));
    expect(delivered.map((e) => [e.order_id, e.source, e.state])).toEqual([
      ['CRM-1', 'crm', 'assigned'],
      ['CRM-2', 'crm', 'assigned'],
      ['CRM-3', 'crm', 'assigned'],
    ]);
    // Spans are created (and sampled) even with export off, so the events still carry trace ids.
    expect(delivered.every((e) => /^[0-9a-f]{32}$/.test(e.trace_id ?? ''))).toBe(true);
  }, 60_000);
});

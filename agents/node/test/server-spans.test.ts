import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { isTracingSuppressed, W3CTraceContextPropagator } from '@opentelemetry/core';
import { node } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { waitFor } from '../../test/harness';
import { hostOf, ServerSpanInstrumentation } from '../server-spans';

/*
 * The server span of each request, made by the agent's own instrumentation on OpenTelemetry's Node
 * tracer, for requests a real http server on loopback answers. Jest loads modules its own way, past
 * the require hook that patches http in a service, so the test applies the patch to http itself.
 */
const exporter = new InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const instrumentation = new ServerSpanInstrumentation({ ignorePaths: ['/metrics'] });
instrumentation.setTracerProvider(provider);
const httpDefinition = instrumentation.getModuleDefinitions().find((d) => d.name === 'http')!;

/** What the handlers saw of the active context. */
const seen: { activeSpanId?: string; suppressed?: boolean } = {};

const app = express();
app.get('/orders/:id', (_req, res) => {
  seen.activeSpanId = trace.getActiveSpan()?.spanContext().spanId;
  res.json({ ok: true });
});
// Reads the body from the request's 'data' and 'end' events, which come from the socket's context
// when the body arrives after the headers (express's body parsers keep the context themselves; a
// plain handler does not). The first handler says when the request is in.
let postArrived: () => void = () => {};
const arrival: express.RequestHandler = (_req, _res, next) => {
  postArrived();
  next();
};
app.post('/orders', arrival, (req, res) => {
  req.resume();
  req.on('end', () => {
    seen.activeSpanId = trace.getActiveSpan()?.spanContext().spanId;
    res.status(201).json({ ok: true });
  });
});
app.get('/broken', (_req, res) => {
  res.status(503).end();
});
app.get('/metrics', (_req, res) => {
  seen.suppressed = isTracingSuppressed(context.active());
  res.end('ok');
});
// Answers only once the client has gone, and says when it has the request.
let slowArrived: () => void = () => {};
app.get('/slow', (req: IncomingMessage, res: ServerResponse) => {
  slowArrived();
  req.socket.once('close', () => res.end());
});

let server: Server;
let base: string;

beforeAll(async () => {
  httpDefinition.patch!(http);
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  httpDefinition.unpatch!(http);
  instrumentation.disable();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

beforeEach(() => {
  exporter.reset();
  delete seen.activeSpanId;
  delete seen.suppressed;
});

/** The spans ended so far, once `count` of them have. Spans end at the response's 'close', which may come just after the client has the answer. */
async function spans(count: number): Promise<ReadableSpan[]> {
  await waitFor(`${count} ended span(s)`, () => exporter.getFinishedSpans().length >= count, 10_000, () => `ended: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
  return exporter.getFinishedSpans();
}

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

describe('the server span of an incoming request', () => {
  it('continues the caller’s trace, is named by the express route, and carries the request’s attributes', async () => {
    const res = await fetch(`${base}/orders/SO-7?token=secret`, { headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`, 'user-agent': 'shop-test/1.0' } });
    expect(res.status).toBe(200);
    const [span] = await spans(1);
    expect(span!.name).toBe('GET /orders/:id');
    expect(span!.kind).toBe(SpanKind.SERVER);
    expect(span!.spanContext().traceId).toBe(PARENT_TRACE);
    expect(span!.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    const { 'network.peer.port': peerPort, ...attributes } = span!.attributes;
    expect(peerPort).toEqual(expect.any(Number));
    // No url.query: a query string can carry tokens.
    expect(attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/orders/SO-7',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(base).port),
      'network.peer.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      'user_agent.original': 'shop-test/1.0',
      'http.route': '/orders/:id',
      'http.response.status_code': 200,
    });
    expect(seen.activeSpanId).toBe(span!.spanContext().spanId);
  });

  it('is active in the request’s own events, for a body that came after the headers', async () => {
    const body = JSON.stringify({ part: 'P-1' });
    const arrived = new Promise<void>((r) => (postArrived = r));
    const request = http.request(`${base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    const status = new Promise<number | undefined>((resolve, reject) => {
      request.on('response', (res) => resolve(res.resume().statusCode));
      request.on('error', reject);
    });
    request.flushHeaders();
    await arrived;
    request.end(body);
    expect(await status).toBe(201);
    const [span] = await spans(1);
    expect(span!.name).toBe('POST /orders');
    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.attributes['http.response.status_code']).toBe(201);
    expect(seen.activeSpanId).toBe(span!.spanContext().spanId);
  });

  it('is an error when the answer is a 5xx', async () => {
    expect((await fetch(`${base}/broken`)).status).toBe(503);
    const [span] = await spans(1);
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['http.response.status_code']).toBe(503);
  });

  it('is named HTTP for a method OpenTelemetry’s conventions do not know, which it keeps aside, and has no route when none took the request', async () => {
    await fetch(`${base}/nowhere`, { method: 'PURGE' });
    const [span] = await spans(1);
    expect(span!.name).toBe('HTTP');
    expect(span!.attributes['http.request.method']).toBe('_OTHER');
    expect(span!.attributes['http.request.method_original']).toBe('PURGE');
    expect(span!.attributes['http.route']).toBeUndefined();
    expect(span!.attributes['http.response.status_code']).toBe(404);
  });

  it('is an error when the client left before the answer', async () => {
    const aborted = new AbortController();
    const arrived = new Promise<void>((r) => (slowArrived = r));
    const request = fetch(`${base}/slow`, { signal: aborted.signal }).catch((e: unknown) => e);
    await arrived;
    aborted.abort();
    await request;
    const [span] = await spans(1);
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the client closed the connection before the answer was sent' });
    expect(span!.attributes['http.response.status_code']).toBeUndefined();
  });

  it('is left out when it cannot start, and the request is answered all the same', async () => {
    propagation.disable();
    propagation.setGlobalPropagator({ inject: () => {}, extract: () => { throw new Error('a broken propagator'); }, fields: () => [] });
    try {
      expect((await fetch(`${base}/orders/SO-9`)).status).toBe(200);
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
    expect(seen.activeSpanId).toBeUndefined();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('is not made for an ignored path, where nothing is traced', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    await fetch(`${base}/orders/SO-8`);
    const finished = await spans(1);
    expect(finished.map((s) => s.name)).toEqual(['GET /orders/:id']);
    expect(seen.suppressed).toBe(true);
  });
});

describe('a request handled outside express', () => {
  /** A request as a server emits it, on a socket that goes nowhere: the listeners run at once, within the emit. */
  function emitRequest(server: Server): { request: IncomingMessage; response: ServerResponse; emit: () => boolean } {
    const request = new http.IncomingMessage(new Socket());
    Object.assign(request, { method: 'GET', url: '/orders/SO-1', headers: { host: 'shop:8080' } });
    const response = new http.ServerResponse(request);
    return { request, response, emit: () => server.emit('request', request, response) };
  }

  it('ends its span at once when a listener throws, with the exception, and the close that may follow changes nothing', () => {
    const { response, emit } = emitRequest(
      http.createServer(() => {
        throw new Error('handler bug');
      }),
    );
    expect(emit).toThrow('handler bug');
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'handler bug' });
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
    response.emit('close');
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(span!.status.message).toBe('handler bug');
  });

  it('takes an error of the response as its status, rather than the client having left', () => {
    const { response, emit } = emitRequest(
      http.createServer((_req, res) => {
        res.on('error', () => {});
      }),
    );
    emit();
    response.emit('error', new Error('write EPIPE'));
    response.emit('close');
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'write EPIPE' });
    expect(span!.attributes).toMatchObject({ 'server.address': 'shop', 'server.port': 8080, 'url.path': '/orders/SO-1' });
  });

  it('gets one span however often http is patched', () => {
    httpDefinition.patch!(http);
    const { response, emit } = emitRequest(http.createServer((_req, res) => res.end()));
    emit();
    response.emit('close');
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });
});

describe('the Host header', () => {
  it.each([
    ['shop:8080', { host: 'shop', port: 8080 }],
    ['shop', { host: 'shop', port: undefined }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['[::1]', { host: '::1', port: undefined }],
    ['shop:', { host: 'shop', port: undefined }],
    ['shop:http', { host: 'shop', port: undefined }],
    [undefined, { host: undefined, port: undefined }],
  ])('%s is read as %j', (header, expected) => {
    expect(hostOf(header)).toEqual(expected);
  });
});

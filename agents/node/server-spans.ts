import { errorMonitor, type EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { context, diag, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { InstrumentationNodeModuleDefinition, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { OncePatchingInstrumentation } from './once-patching';
import { expressRoute } from './express-route';

/** What {@link ServerSpanInstrumentation} is told. */
export interface ServerSpanConfig extends InstrumentationConfig {
  /** Incoming requests to these paths get no span, and nothing they do is traced (health checks and scrapes would drown real traffic). */
  ignorePaths?: readonly string[];
}

/** The methods HTTP's specifications define (QUERY too, as OpenTelemetry's list has it); any other is `_OTHER`, as OpenTelemetry's conventions ask (a scanner's made-up methods would otherwise name spans). */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'QUERY', 'TRACE']);

/** An emitter's emit, without the overloads of each event's arguments. */
type Emit = (this: Server, event: string, ...args: unknown[]) => boolean;
type Scheme = 'http' | 'https';

/**
 * The server span of every request an http or https server of this process answers: parented by
 * the request's `traceparent`, active while the request is handled (so that pg, amqplib and
 * trackOrder see it), named `POST /orders` by the express route that took the request, and ended when
 * the response closes, with the answer's status, or as an error when the client left first.
 *
 * OpenTelemetry's http instrumentation made this span before, and still makes the outgoing
 * requests' spans. Its server side does more per request than the span needs: it parses the URL,
 * the Host and Forwarded headers and the query string (to redact it), builds a second set of
 * attributes for a duration metric, runs each hook through a closure of its own, tracks open spans
 * in a WeakSet, and binds the request and the response by patching eight listener methods on each
 * and wrapping every listener (see {@link emitIn}). Counted under valgrind on a trivial express
 * endpoint (bench/agent.ts `--count instructions`), the agent added about 343k instructions per
 * request with it, and 235k to 252k (three runs) with this span.
 *
 * The attributes are OpenTelemetry's stable HTTP server conventions, in one fixed set:
 * http.request.method (and http.request.method_original for a method it does not know), url.scheme,
 * url.path, server.address and server.port (from the Host header), network.peer.address,
 * network.peer.port, network.protocol.version, user_agent.original, and at the end http.route and
 * http.response.status_code. Unlike OpenTelemetry's instrumentation, it leaves out the query string
 * (it can carry tokens; the path and route are what traces are searched by) and client.address, and
 * does not read the Forwarded and X-Forwarded-* headers. A listener that throws, an error of the
 * response, a 5xx answer, or none (the client left first) sets the span's status to error.
 */
export class ServerSpanInstrumentation extends OncePatchingInstrumentation<ServerSpanConfig> {
  constructor(config: ServerSpanConfig = {}) {
    super('orderscope-server-spans', '1.0.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return (['http', 'https'] as const).map(
      (scheme) =>
        new InstrumentationNodeModuleDefinition(
          scheme,
          ['*'],
          (exports: { Server: { prototype: Server } }) => {
            this.wrapOnce(exports.Server.prototype, 'emit', (emit: Emit) => this.withServerSpans(emit, scheme));
            return exports;
          },
          (exports?: { Server: { prototype: Server } }) => exports && this.unwrapOnce(exports.Server.prototype, 'emit'),
        ),
    );
  }

  /** The server's emit, giving each 'request' event a span of its own. */
  private withServerSpans(emit: Emit, scheme: Scheme): Emit {
    const ignored = new Set(this.getConfig().ignorePaths ?? []);
    const handle = (server: Server, request: IncomingMessage, response: ServerResponse) => this.handleInSpan(() => emit.call(server, 'request', request, response), request, response, scheme, ignored);
    return function emitWithServerSpan(this: Server, event: string, ...args: unknown[]): boolean {
      if (event !== 'request') return emit.apply(this, [event, ...args]);
      return handle(this, args[0] as IncomingMessage, args[1] as ServerResponse);
    };
  }

  /** Runs `handle` (the server's listeners of the request) inside the request's span. */
  private handleInSpan(handle: () => boolean, request: IncomingMessage, response: ServerResponse, scheme: Scheme, ignored: ReadonlySet<string>): boolean {
    let started: { active: Context; span?: RequestSpan };
    try {
      started = this.startRequest(request, response, scheme, ignored);
    } catch (error) {
      // Tracing must never cost the host a request: one that cannot get a span is handled without one.
      this._diag.error('an incoming request is handled untraced: its span could not start', error);
      return handle();
    }
    try {
      return context.with(started.active, handle);
    } catch (error) {
      // A listener that throws leaves the request unanswered, perhaps for good: the span ends now, with the error.
      started.span?.fail(error);
      started.span?.end();
      throw error;
    }
  }

  /**
   * The context the request is handled in, with its span, or with tracing suppressed for an ignored
   * path; its request and response emit their events in it from now on.
   */
  private startRequest(request: IncomingMessage, response: ServerResponse, scheme: Scheme, ignored: ReadonlySet<string>): { active: Context; span?: RequestSpan } {
    const path = pathOf(request.url);
    if (ignored.has(path)) {
      const quiet = suppressTracing(context.active());
      emitIn(quiet, request);
      emitIn(quiet, response);
      return { active: quiet };
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = new RequestSpan(this.tracer, request, response, path, scheme, parent);
    const active = trace.setSpan(parent, span.span);
    emitIn(active, request);
    emitIn(active, response);
    // 'close' comes once the answer is sent, and also when the client left before it.
    response.once('close', () => span.end());
    response.on(errorMonitor, (error) => span.fail(error));
    return { active, span };
  }
}

/** One request's span: started with the request's attributes, failed at most once, ended once with the answer's. */
class RequestSpan {
  readonly span: Span;
  /** The span's name before the route is known: the method, or HTTP for a method OpenTelemetry's conventions do not know (not one a client made up). */
  private readonly name: string;
  private failed = false;
  private ended = false;

  constructor(
    tracer: Tracer,
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    path: string,
    scheme: Scheme,
    parent: Context,
  ) {
    const method = request.method ?? 'GET';
    const known = KNOWN_METHODS.has(method);
    this.name = known ? method : 'HTTP';
    this.span = tracer.startSpan(this.name, { kind: SpanKind.SERVER, attributes: requestAttributes(request, known ? method : '_OTHER', path, scheme) }, parent);
    if (!known) this.span.setAttribute('http.request.method_original', method);
  }

  /** The error that ends the request (a listener that threw, an error of the response): the first is the span's status. */
  fail(error: unknown): void {
    if (this.failed || this.ended) return;
    this.failed = true;
    this.span.recordException(error instanceof Error ? error : String(error));
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }

  /** Ends the span with the route and the answer's status, once; an error here is logged, never the host's. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const route = expressRoute(this.request);
      if (route !== undefined) {
        this.span.setAttribute('http.route', route);
        this.span.updateName(`${this.name} ${route}`);
      }
      if (this.response.writableFinished) this.span.setAttribute('http.response.status_code', this.response.statusCode);
      if (!this.failed) {
        if (!this.response.writableFinished) this.span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection before the answer was sent' });
        else if (this.response.statusCode >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR });
      }
    } catch (error) {
      diag.error('the span of an incoming request ended without its route or status', error);
    } finally {
      this.span.end();
    }
  }
}

/**
 * Makes every event of the request or the response run in `active`. The host's listeners on them
 * (a body parser's 'data' and 'end', a logger's 'finish') are called from the socket's context, not
 * from the one the request was handled in, so without this a body that arrives after the headers
 * is read outside the request's span. OpenTelemetry's `context.bind` does it by patching eight
 * listener methods on each and wrapping every listener; one emit per object is cheaper, and the same
 * for every listener.
 */
function emitIn(active: Context, emitter: EventEmitter): void {
  const emit = emitter.emit;
  emitter.emit = function emitInContext(this: EventEmitter, event: string | symbol, ...args: unknown[]): boolean {
    return context.with(active, emit, this, event, ...args);
  };
}

/** The request's attributes, always the same keys in the same order (one shape, cheap for V8 to copy). */
function requestAttributes(request: IncomingMessage, method: string, path: string, scheme: Scheme): Attributes {
  const { host, port } = hostOf(request.headers.host);
  return {
    'http.request.method': method,
    'url.scheme': scheme,
    'url.path': path,
    'server.address': host,
    // The conventions give the port only with the address it belongs to.
    'server.port': host === undefined ? undefined : (port ?? (scheme === 'https' ? 443 : 80)),
    'network.peer.address': request.socket.remoteAddress,
    'network.peer.port': request.socket.remotePort,
    'network.protocol.version': request.httpVersion,
    'user_agent.original': request.headers['user-agent'],
  };
}

/** The Host header's name (an IPv6 address without its brackets) and port: `shop:8080`, `[::1]:8080`, `shop`. */
export function hostOf(header: string | undefined): { host: string | undefined; port: number | undefined } {
  if (!header) return { host: undefined, port: undefined };
  const colon = header.lastIndexOf(':');
  // A colon inside brackets is part of an IPv6 address, not a port.
  const name = colon < 0 || colon < header.lastIndexOf(']') ? header : header.slice(0, colon);
  const port = name === header ? NaN : Number(header.slice(colon + 1));
  return { host: name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name, port: Number.isInteger(port) && port > 0 ? port : undefined };
}

/** The request target's path, without its query string. */
function pathOf(url: string | undefined): string {
  const end = url?.indexOf('?') ?? -1;
  return end >= 0 ? url!.slice(0, end) : (url ?? '');
}

import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, isWrapped, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { expressRoute } from './express-route';

/** What {@link ServerSpanInstrumentation} is told. */
export interface ServerSpanConfig extends InstrumentationConfig {
  /** Incoming requests to these paths get no span, and nothing they do is traced (health checks and scrapes would drown real traffic). */
  ignorePaths?: readonly string[];
}

/** The methods HTTP's specification defines; any other is `_OTHER`, as OpenTelemetry's conventions ask (a scanner's made-up methods would otherwise name spans). */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

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
 * request with it, and 235k with this span: the same span and context, with the same attributes
 * but the query string and client.address.
 *
 * The attributes are OpenTelemetry's stable HTTP server conventions, in one fixed set, minus the
 * query string (it can carry tokens; the path and route are what traces are searched by):
 * http.request.method, url.scheme, url.path, server.address, server.port, network.peer.address,
 * network.peer.port, network.protocol.version, user_agent.original, and at the end http.route and
 * http.response.status_code. A 5xx answer, or none, sets the span's status to error.
 */
export class ServerSpanInstrumentation extends InstrumentationBase<ServerSpanConfig> {
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
            // Wrapping twice (a module required once and imported once) would make two spans per request.
            if (!isWrapped(exports.Server.prototype.emit)) this._wrap(exports.Server.prototype, 'emit', (emit: Emit) => this.withServerSpans(emit, scheme));
            return exports;
          },
          (exports?: { Server: { prototype: Server } }) => {
            if (exports) this._unwrap(exports.Server.prototype, 'emit');
          },
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
    let started: { active: Context; span?: Span };
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
      // A listener that throws: the span says so, and still ends at 'close'.
      started.span?.recordException(error as Error);
      started.span?.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  /**
   * The context the request is handled in, with its span, or with tracing suppressed for an ignored
   * path; its request and response emit their events in it from now on.
   */
  private startRequest(request: IncomingMessage, response: ServerResponse, scheme: Scheme, ignored: ReadonlySet<string>): { active: Context; span?: Span } {
    const path = pathOf(request.url);
    if (ignored.has(path)) {
      const quiet = suppressTracing(context.active());
      emitIn(quiet, request);
      emitIn(quiet, response);
      return { active: quiet };
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const method = KNOWN_METHODS.has(request.method ?? '') ? request.method! : '_OTHER';
    const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: requestAttributes(request, method, path, scheme) }, parent);
    const active = trace.setSpan(parent, span);
    emitIn(active, request);
    emitIn(active, response);
    // 'close' comes once the answer is sent, and also when the client left before it.
    response.once('close', () => {
      try {
        endSpan(span, method, request, response);
      } catch (error) {
        this._diag.error('the span of an incoming request could not end', error);
      }
    });
    return { active, span };
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
    'server.port': port ?? (scheme === 'https' ? 443 : 80),
    'network.peer.address': request.socket.remoteAddress,
    'network.peer.port': request.socket.remotePort,
    'network.protocol.version': request.httpVersion,
    'user_agent.original': request.headers['user-agent'],
  };
}

function endSpan(span: Span, method: string, request: IncomingMessage, response: ServerResponse): void {
  const route = expressRoute(request);
  if (route !== undefined) {
    span.setAttribute('http.route', route);
    span.updateName(`${method} ${route}`);
  }
  if (!response.writableFinished) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection before the answer was sent' });
  } else {
    span.setAttribute('http.response.status_code', response.statusCode);
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
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

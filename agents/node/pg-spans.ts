import { context, diag, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { OncePatchingInstrumentation } from './once-patching';

/** What {@link PgSpanInstrumentation} is told. */
export interface PgSpanConfig extends InstrumentationConfig {
  /** true: the statements that only delimit a transaction get spans too (see {@link isTransactionStatement} for why not by default). */
  transactionStatements?: boolean;
}

/**
 * The statements that only delimit a transaction, by their first word: BEGIN, START TRANSACTION,
 * COMMIT, END, ROLLBACK (and ROLLBACK TO SAVEPOINT), ABORT, SAVEPOINT and RELEASE.
 */
const TRANSACTION_OPERATIONS = new Set(['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE']);

/** The part of pg's Client a span reads (the JavaScript and the native client both have it). */
interface PgClient {
  connectionParameters?: { database?: string; host?: string; port?: number | string };
}
type Query = (this: PgClient, ...args: unknown[]) => unknown;
type Callback = (this: unknown, ...args: unknown[]) => unknown;
type Connect = (this: unknown, callback?: Callback) => unknown;
type ClassOf = { prototype: object };
/** A CommonJS module's exports as require gives them, or as an ES import does (a namespace with them as its default). */
type Exported<T> = T | { [Symbol.toStringTag]: 'Module'; default: T };

function exported<T>(module: Exported<T>): T {
  return isObject(module) && (module as Record<symbol, unknown>)[Symbol.toStringTag] === 'Module' ? (module as { default: T }).default : (module as T);
}

/**
 * A span for each statement a pg client sends inside a traced unit of work (a request's span, a
 * consumed message's), named as OpenTelemetry's pg instrumentation names it (`pg.query:INSERT shop`,
 * or by the prepared statement's name) with the stable database conventions: db.system.name,
 * db.namespace, server.address, server.port, db.operation.name and db.query.text (the statement's
 * text as sent: a parameter's value never, a literal written into the text as part of it), plus
 * OpenTelemetry pg's db.postgresql.plan for a prepared statement. A failed statement's span is an
 * error, with its SQLSTATE as error.type and db.response.status_code, and a status and exception
 * that give the error's type and code but not PostgreSQL's message (which can quote a value).
 * Statements outside a traced unit of work (an outbox sweep's, a gauge's timer queries) get none:
 * each would be a trace of its own.
 *
 * OpenTelemetry's pg instrumentation made these spans before. Per statement it also copies the
 * query's configuration, records a duration metric that nothing here reads (the agent's metrics are
 * prom-client's), ends the span in a chain of three promises, builds the span's attributes twice,
 * and goes through all of it for BEGIN and COMMIT, whose spans the agent then dropped. This one
 * makes one span with one fixed set of attributes and ends it in one promise or the callback; BEGIN
 * and COMMIT go to pg without a span.
 *
 * Context: pg calls a statement's callback from its connection's socket, in the context of whoever
 * opened the connection, and pg-pool hands a waiting caller the client another caller released, in
 * that caller's context. Either way the caller's next statements would land in another request's
 * trace (OpenTelemetry's instrumentation binds the pool's callback only when it makes a connect
 * span). Here every callback of a statement, span or not, a submittable's listeners, and the
 * callback of `Pool.connect` run in the context they were asked in, as do the callbacks a cursor's
 * `read` and `close` take later.
 */
export class PgSpanInstrumentation extends OncePatchingInstrumentation<PgSpanConfig> {
  constructor(config: PgSpanConfig = {}) {
    super('orderscope-pg-spans', '1.0.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const patchClient = (client: ClassOf | undefined) => client && this.wrapOnce(client.prototype, 'query', (query: Query) => this.withQuerySpans(query));
    const unpatchClient = (client: ClassOf | undefined) => client && this.unwrapOnce(client.prototype, 'query');
    const patchPool = (pool: ClassOf | undefined) => pool && this.wrapOnce(pool.prototype, 'connect', (connect: Connect) => inCallersContext(connect));
    const unpatchPool = (pool: ClassOf | undefined) => pool && this.unwrapOnce(pool.prototype, 'connect');
    return [
      new InstrumentationNodeModuleDefinition(
        'pg',
        ['>=8 <9'],
        (exports: Exported<{ Client?: ClassOf }>) => (patchClient(exported(exports).Client), exports),
        (exports?: Exported<{ Client?: ClassOf }>) => exports && unpatchClient(exported(exports).Client),
        // The native client (pg.native, on pg-native's binding) is loaded only when asked for, so it has a hook of its own.
        [
          new InstrumentationNodeModuleFile(
            'pg/lib/native/client.js',
            ['>=8 <9'],
            (exports: Exported<ClassOf>) => (patchClient(exported(exports)), exports),
            (exports?: Exported<ClassOf>) => exports && unpatchClient(exported(exports)),
          ),
        ],
      ),
      new InstrumentationNodeModuleDefinition(
        'pg-pool',
        ['>=3 <4'],
        (exports: Exported<ClassOf>) => (patchPool(exported(exports)), exports),
        (exports?: Exported<ClassOf>) => exports && unpatchPool(exported(exports)),
      ),
    ];
  }

  /** pg's `Client.query`, sending each statement inside a traced unit of work in a span of its own. */
  private withQuerySpans(query: Query): Query {
    const start = (client: PgClient, statement: unknown, active: Context) => this.startStatement(client, statement, active);
    const untraced = (error: unknown) => this._diag.error('a pg statement is sent untraced: its span could not start', error);
    return function queryWithSpan(this: PgClient, ...args: unknown[]): unknown {
      const active = context.active();
      let span: Span | undefined;
      if (!isTracingSuppressed(active) && trace.getSpan(active) !== undefined) {
        try {
          span = start(this, args[0], active);
        } catch (error) {
          // Tracing must never cost the host a statement: one whose span cannot start is sent without one.
          untraced(error);
        }
      }
      // Sampled out: nothing to record or end.
      if (span !== undefined && !span.isRecording()) span = undefined;
      const statement = args[0];
      if (isObject(statement) && typeof statement.submit === 'function') return sendSubmittable(query, this, args, statement, span, active);
      return sendStatement(query, this, args, span, active);
    };
  }

  /** The statement's span, or none for a statement that only delimits a transaction (unless those are asked for). */
  private startStatement(client: PgClient, statement: unknown, parent: Context): Span | undefined {
    const text = typeof statement === 'string' ? statement : textOf(statement);
    const operation = text === undefined ? undefined : operationOf(text) || undefined;
    if (operation !== undefined && !this.getConfig().transactionStatements && isTransactionStatement(operation) && !hasMoreStatements(text!)) return undefined;
    const plan = isObject(statement) && typeof statement.name === 'string' && statement.name !== '' ? statement.name : undefined;
    return startStatementSpan(this.tracer, client, { text, operation, plan }, parent);
  }
}

/** The first word of a statement, in capitals and without a semicolon after it: what OpenTelemetry's conventions call its operation. */
export function operationOf(text: string): string {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  const word = (space < 0 ? trimmed : trimmed.slice(0, space)).toUpperCase();
  return word.endsWith(';') ? word.slice(0, -1) : word;
}

/**
 * Whether a statement of this operation only delimits a transaction. Its span would carry only a
 * round trip: the statements between have spans of their own, and a slow COMMIT shows in its parent
 * as the gap after the transaction's last statement. Yet they were 6 of the pipeline shop's 16
 * spans per order, and the agent's CPU per request grows with its spans.
 */
export function isTransactionStatement(operation: string): boolean {
  return TRANSACTION_OPERATIONS.has(operation);
}

/** The span's name, as OpenTelemetry's pg instrumentation gives it: `pg.query:INSERT shop`, by the prepared statement's name if it has one. */
export function statementSpanName(statement: { operation?: string; plan?: string }, database: string | undefined): string {
  const command = statement.plan ?? statement.operation;
  if (command === undefined) return 'pg.query';
  return database ? `pg.query:${command} ${database}` : `pg.query:${command}`;
}

function startStatementSpan(tracer: Tracer, client: PgClient, statement: { text?: string; operation?: string; plan?: string }, parent: Context): Span {
  const parameters = client.connectionParameters ?? {};
  const port = Number(parameters.port);
  const span = tracer.startSpan(
    statementSpanName(statement, parameters.database),
    {
      kind: SpanKind.CLIENT,
      // Always the same keys in the same order (one shape, cheap for V8 to copy).
      attributes: {
        'db.system.name': 'postgresql',
        'db.namespace': parameters.database,
        'server.address': parameters.host,
        'server.port': Number.isInteger(port) && port > 0 ? port : undefined,
        'db.operation.name': statement.operation,
        'db.query.text': statement.text,
      },
    },
    parent,
  );
  if (statement.plan !== undefined) span.setAttribute('db.postgresql.plan', statement.plan);
  return span;
}

/**
 * Sends a statement (text, or a query's configuration) and ends its span when pg answers: by
 * promise, or by the caller's callback (last argument, or the configuration's), which runs in the
 * caller's context, span or not: pg calls it from its socket's, the context of whoever opened the
 * connection, where the caller's next statements would land in another request's trace.
 */
function sendStatement(query: Query, client: PgClient, args: unknown[], span: Span | undefined, active: Context): unknown {
  const callback = callbackOf(args);
  if (callback !== undefined) {
    const answer = span === undefined ? context.bind(active, callback.fn) : endingThenCalling(callback.fn, span, active);
    if (callback.at > 0) args[callback.at] = answer;
    // The configuration's own: the caller's object (frozen, perhaps, or used again) stays as it was,
    // and pg reads the rest of it through the one it is given.
    else args[0] = Object.create(args[0] as object, { callback: { value: answer, writable: true, enumerable: true, configurable: true } });
  }
  const result = sendOrFail(query, client, args, span);
  if (span === undefined || callback !== undefined || !isThenable(result)) return result;
  // The caller gets the chained promise: a failure the caller never handles is still an unhandled rejection.
  return result.then(
    (answered) => {
      endStatement(span, undefined);
      return answered;
    },
    (error: unknown) => {
      endStatement(span, error);
      throw error;
    },
  );
}

/**
 * Sends a submittable (pg's Query, a cursor, a stream), which pg hands back as it is, and ends its
 * span when it fails (pg reports every failure through its handleError: the server's, a timeout, a
 * closed client) or says 'end' or 'close'. Its callback runs in the caller's context.
 */
function sendSubmittable(query: Query, client: PgClient, args: unknown[], submittable: Record<string, unknown>, span: Span | undefined, active: Context): unknown {
  try {
    followInCallersContext(submittable, args, span, active);
  } catch (error) {
    // A submittable made so that it cannot be followed (a callback that is only a getter) is sent as it is.
    diag.error('a pg submittable is sent untraced: its callbacks could not be bound', error);
    if (span !== undefined) span.end();
    span = undefined;
  }
  return sendOrFail(query, client, args, span);
}

/** Hands the statement to pg; when pg throws at once (a null query, a callback that is none), its span ends with the error. */
function sendOrFail(query: Query, client: PgClient, args: unknown[], span: Span | undefined): unknown {
  try {
    return query.apply(client, args);
  } catch (error) {
    if (span !== undefined) endStatement(span, error);
    throw error;
  }
}

/**
 * Makes the submittable's callback and listeners ('row', 'data', 'end'), and a cursor's later
 * callbacks, run in the caller's context,
 * and ends its span before its callback, when pg reports a failure (pg sends every one through
 * handleError: the server's, a timeout, a closed client), or at 'end' or 'close'. A submittable is
 * used once, and pg sets its callback itself: changing it is what pg does.
 */
function followInCallersContext(submittable: Record<string, unknown>, args: unknown[], span: Span | undefined, active: Context): void {
  const follow = (callback: Callback) => (span === undefined ? context.bind(active, callback) : endingThenCalling(callback, span, active));
  if (typeof submittable.callback === 'function') submittable.callback = follow(submittable.callback as Callback);
  for (const i of [1, 2]) if (typeof args[i] === 'function') args[i] = follow(args[i] as Callback);
  if (typeof submittable.once === 'function') context.bind(active, submittable as unknown as NodeJS.EventEmitter);
  bindLaterCallbacks(submittable);
  if (span === undefined) return;
  const handleError = submittable.handleError;
  if (typeof handleError === 'function') {
    submittable.handleError = function handleErrorEndingSpan(this: unknown, error: unknown, ...rest: unknown[]): unknown {
      endStatement(span, error);
      return handleError.call(this, error, ...rest);
    };
  }
  if (typeof submittable.once === 'function') {
    const emitter = submittable as unknown as NodeJS.EventEmitter;
    emitter.once('end', () => endStatement(span, undefined));
    emitter.once('close', () => endStatement(span, undefined));
  }
}

/**
 * A cursor (pg-cursor) hands its rows, and its close, to callbacks its `read` and `close` take
 * after it was sent, calling them from pg's socket (or a setImmediate there), where they would run
 * in another request's context: each such callback runs in the context it was given in. A stream
 * (pg-query-stream) reads its cursor itself; its listeners are bound with the emitter.
 */
function bindLaterCallbacks(cursor: Record<string, unknown>): void {
  if (typeof cursor.pipe === 'function') return;
  for (const name of ['read', 'close']) {
    const method = cursor[name];
    if (typeof method !== 'function') continue;
    cursor[name] = function callingBackInCallersContext(this: unknown, ...args: unknown[]): unknown {
      const last = args.length - 1;
      if (last >= 0 && typeof args[last] === 'function') args[last] = context.bind(context.active(), args[last] as Callback);
      return method.apply(this, args) as unknown;
    };
  }
}

/** The caller's callback of a statement that is not a submittable, and where it is: the last argument, or the configuration's (at 0). */
export function callbackOf(args: unknown[]): { fn: Callback; at: number } | undefined {
  for (let at = Math.min(args.length - 1, 2); at >= 1; at--) if (typeof args[at] === 'function') return { fn: args[at] as Callback, at };
  const statement = args[0];
  return isObject(statement) && typeof statement.callback === 'function' ? { fn: statement.callback as Callback, at: 0 } : undefined;
}

/** A query's text: its own, or its cursor's (pg-query-stream keeps it there). */
function textOf(statement: unknown): string | undefined {
  if (!isObject(statement)) return undefined;
  if (typeof statement.text === 'string') return statement.text;
  return isObject(statement.cursor) && typeof statement.cursor.text === 'string' ? statement.cursor.text : undefined;
}

/** Whether text that starts with a transaction's delimiter goes on with more statements (`BEGIN; UPDATE …; COMMIT`). */
export function hasMoreStatements(text: string): boolean {
  const semicolon = text.indexOf(';');
  return semicolon >= 0 && text.slice(semicolon + 1).trim() !== '';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return isObject(value) && typeof value.then === 'function';
}

/** Ends the statement's span, as failed when there is an error; once, though a stream may say 'end' after its error. */
function endStatement(span: Span, error: unknown): void {
  // An SDK span stops recording when it ends.
  if (!span.isRecording()) return;
  try {
    if (error !== undefined && error !== null) failStatement(span, error);
    span.end();
  } catch (failure) {
    // The host's callback, pg's handleError or the caller's promise comes next: tracing must not stop it.
    diag.error('the span of a pg statement ended without its outcome', failure);
  }
}

function endingThenCalling(callback: Callback, span: Span, active: Context): Callback {
  return function endThenCall(this: unknown, error: unknown, ...rest: unknown[]): unknown {
    endStatement(span, error);
    return context.with(active, callback, this, error, ...rest);
  };
}

/**
 * Marks a failed statement's span: its SQLSTATE (23505) as error.type, and as its status and
 * exception the error's type and code only, since PostgreSQL's messages can quote a row's values
 * (`invalid input syntax for type integer: "…"`), as OpenTelemetry's instrumentation does for the exception.
 */
function failStatement(span: Span, error: unknown): void {
  // PostgreSQL's answer (it has a severity) carries a SQLSTATE as its code; a socket's error carries
  // Node's (ECONNRESET), and a closed client's or a timeout's none: their type is the error's code or class.
  const code = isObject(error) && typeof error.code === 'string' ? error.code : undefined;
  const sqlState = isObject(error) && typeof error.severity === 'string' ? code : undefined;
  const name = error instanceof Error ? error.name : 'Error';
  span.setAttribute('error.type', code ?? (error instanceof Error ? error.constructor.name : '_OTHER'));
  if (sqlState !== undefined) span.setAttribute('db.response.status_code', sqlState);
  const message = `PostgreSQL error of type '${name}' occurred (code: ${code ?? 'UNKNOWN'})`;
  span.recordException({ name, message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** pg-pool's `connect`, calling its callback in the context it was asked in (see {@link PgSpanInstrumentation}). */
function inCallersContext(connect: Connect): Connect {
  return function connectInCallersContext(this: unknown, callback?: Callback): unknown {
    return connect.call(this, typeof callback === 'function' ? context.bind(context.active(), callback) : callback);
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

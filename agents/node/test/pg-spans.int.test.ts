import path from 'node:path';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span, type TracerProvider } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { node } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import Cursor from 'pg-cursor';
import QueryStream from 'pg-query-stream';
import { createTestDatabase } from '../../../tracker/test/postgres';
import { forkTs, waitFor } from '../../test/harness';
import { PgSpanInstrumentation } from '../pg-spans';

/*
 * The span of each statement, made by the agent's own pg instrumentation on OpenTelemetry's Node
 * tracer, for statements a real PostgreSQL answers. Jest loads modules its own way, past the require
 * hook that patches pg in a service, so the test applies the patch to pg and pg-pool itself.
 */
const exporter = new InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const tracer = provider.getTracer('test');
const instrumentation = new PgSpanInstrumentation();
instrumentation.setTracerProvider(provider);
// pg's Pool is pg-pool's class, bound to pg's Client: the class the instrumentation patches is its parent.
const PgPool = Object.getPrototypeOf(pg.Pool) as { prototype: object };
const definition = (name: string) => instrumentation.getModuleDefinitions().find((d) => d.name === name)!;

let url: string;
let database: string;
let drop: () => Promise<void>;
let client: pg.Client;

beforeAll(async () => {
  definition('pg').patch!(pg);
  definition('pg-pool').patch!(PgPool);
  ({ url, drop } = await createTestDatabase());
  database = new URL(url).pathname.slice(1);
  client = new pg.Client({ connectionString: url });
  // Connected outside any span, as a pool's clients are: pg answers from this connection's context.
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await drop();
  definition('pg').unpatch!(pg);
  definition('pg-pool').unpatch!(PgPool);
  instrumentation.disable();
  await provider.shutdown();
  trace.disable();
  context.disable();
});

beforeEach(() => {
  exporter.reset();
  instrumentation.setConfig({});
});

/** Runs `work` as the active span of a unit of work (a request's span, say), and returns that span. */
async function inUnitOfWork(work: (unit: Span) => Promise<unknown>): Promise<Span> {
  const unit = tracer.startSpan('unit of work');
  await context.with(trace.setSpan(ROOT_CONTEXT, unit), () => work(unit));
  unit.end();
  return unit;
}

const statements = () => exporter.getFinishedSpans().filter((s) => s.name.startsWith('pg.query'));
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
/** Everything of a span that leaves the process. */
const exportedText = (span: ReadableSpan) => JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, status: span.status, links: span.links });

describe("the agent's pg spans", () => {
  it('give a statement in a unit of work a span under it, named by its operation, with the conventions\' attributes and never its values', async () => {
    const unit = await inUnitOfWork(() => client.query('SELECT $1::text AS secret', ['s3cret']));
    const [span] = statements();
    expect(statements()).toHaveLength(1);
    expect(span!.name).toBe(`pg.query:SELECT ${database}`);
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(span!)).toBe(unit.spanContext().spanId);
    expect(span!.attributes).toEqual({
      'db.system.name': 'postgresql',
      'db.namespace': database,
      'server.address': '127.0.0.1',
      'server.port': 5432,
      'db.operation.name': 'SELECT',
      'db.query.text': 'SELECT $1::text AS secret',
    });
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(exportedText(span!)).not.toContain('s3cret');
  });

  it('give none to a statement outside a unit of work, or in one whose tracing is suppressed (a health check)', async () => {
    await client.query('SELECT 1');
    await context.with(suppressTracing(trace.setSpan(ROOT_CONTEXT, tracer.startSpan('health check'))), () => client.query('SELECT 2'));
    expect(statements()).toEqual([]);
  });

  it('give none to the statements that only delimit a transaction, unless asked', async () => {
    const transaction = async () => {
      await client.query('BEGIN');
      await client.query('SAVEPOINT before_insert');
      await client.query('SELECT 1');
      await client.query('ROLLBACK TO SAVEPOINT before_insert');
      await client.query('commit;');
    };
    await inUnitOfWork(transaction);
    expect(statements().map((s) => s.attributes['db.operation.name'])).toEqual(['SELECT']);

    // Text that goes on past its BEGIN is a unit of its own, not a delimiter.
    exporter.reset();
    await inUnitOfWork(() => client.query('BEGIN; SELECT 1; COMMIT'));
    expect(statements().map((s) => s.attributes['db.query.text'])).toEqual(['BEGIN; SELECT 1; COMMIT']);

    exporter.reset();
    instrumentation.setConfig({ transactionStatements: true });
    await inUnitOfWork(transaction);
    expect(statements().map((s) => s.attributes['db.operation.name'])).toEqual(['BEGIN', 'SAVEPOINT', 'SELECT', 'ROLLBACK', 'COMMIT']);
  });

  it("make a failed statement's span an error by its SQLSTATE, without PostgreSQL's message (it quotes the value), and still reject the caller", async () => {
    let rejected: unknown;
    await inUnitOfWork(() => client.query('SELECT $1::int', ['not-a-number-4711']).catch((error: unknown) => (rejected = error)));
    expect(rejected).toMatchObject({ code: '22P02', message: expect.stringContaining('not-a-number-4711') });
    const [span] = statements();
    expect(span!.attributes['error.type']).toBe('22P02');
    expect(span!.attributes['db.response.status_code']).toBe('22P02');
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: "PostgreSQL error of type 'error' occurred (code: 22P02)" });
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
    expect(exportedText(span!)).not.toContain('4711');
  });

  it('end the span before a callback, and call it in the context it was asked in, not the connection\'s', async () => {
    const seen: { active?: string; ended?: number; rows?: unknown } = {};
    const unit = await inUnitOfWork(
      () =>
        new Promise<void>((resolve, reject) =>
          client.query('SELECT 1 AS one', (error: Error | null, result: pg.QueryResult) => {
            if (error) return reject(error);
            seen.active = trace.getActiveSpan()?.spanContext().spanId;
            seen.ended = statements().length;
            seen.rows = result.rows;
            resolve();
          }),
        ),
    );
    expect(seen).toEqual({ active: unit.spanContext().spanId, ended: 1, rows: [{ one: 1 }] });
  });

  it("end the span by a query's own callback, and by a failing one's", async () => {
    const outcomes: string[] = [];
    await inUnitOfWork(async () => {
      await new Promise<void>((resolve) => client.query({ text: 'SELECT 1', callback: () => (outcomes.push('answered'), resolve()) } as pg.QueryConfig));
      await new Promise<void>((resolve) => client.query({ text: 'SELEKT 1', callback: (error: Error) => (outcomes.push(error.message), resolve()) } as pg.QueryConfig));
    });
    expect(outcomes).toEqual(['answered', 'syntax error at or near "SELEKT"']);
    expect(statements().map((s) => [s.attributes['db.operation.name'], s.status.code])).toEqual([
      ['SELECT', SpanStatusCode.UNSET],
      ['SELEKT', SpanStatusCode.ERROR],
    ]);
  });

  it("end a submittable's span when it ends or fails, call its listeners in the caller's context, and leave its 'error' to the host", async () => {
    const heard: string[] = [];
    const listenedIn: (string | undefined)[] = [];
    const unit = await inUnitOfWork(async () => {
      const rows = client.query(new pg.Query('SELECT generate_series(1, 3) AS n'));
      rows.on('row', () => listenedIn.push(trace.getActiveSpan()?.spanContext().spanId));
      await new Promise((resolve) => rows.once('end', resolve));
      const failing = client.query(new pg.Query('SELECT 1/0'));
      await new Promise<void>((resolve) => failing.once('error', (error: Error) => (heard.push(error.message), resolve())));
    });
    expect(heard).toEqual(['division by zero']);
    expect(listenedIn).toEqual([1, 2, 3].map(() => unit.spanContext().spanId));
    expect(statements().map((s) => [s.name, s.status.code, s.attributes['error.type']])).toEqual([
      [`pg.query:SELECT ${database}`, SpanStatusCode.UNSET, undefined],
      [`pg.query:SELECT ${database}`, SpanStatusCode.ERROR, '22012'],
    ]);
  });

  it('leave a failure the caller never handles an unhandled rejection, as it is without the agent', async () => {
    const host = forkTs(path.join(__dirname, 'fixtures', 'unhandled-statement.ts'), [], { DATABASE_URL: url });
    try {
      expect(await host.next('unhandled')).toEqual({ type: 'unhandled', code: '42601' });
    } finally {
      await host.kill();
    }
  });

  it("call the callback of a statement without a span (BEGIN, a sampled-out unit of work) in the caller's context too", async () => {
    const activeIn = (statement: string) =>
      new Promise<string | undefined>((resolve, reject) => client.query(statement, (error: Error | null) => (error ? reject(error) : resolve(trace.getActiveSpan()?.spanContext().spanId))));
    const seen: (string | undefined)[] = [];
    const unit = await inUnitOfWork(async () => {
      seen.push(await activeIn('BEGIN'));
      seen.push(await activeIn('COMMIT'));
    });
    const sampledOut = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE });
    seen.push(await context.with(trace.setSpan(ROOT_CONTEXT, sampledOut), () => activeIn('SELECT 1')));
    expect(seen).toEqual([unit.spanContext().spanId, unit.spanContext().spanId, 'b7ad6b7169203331']);
    expect(statements()).toEqual([]);
  });

  it("leave the caller's query configuration as it was, frozen or used again", async () => {
    const answered: (string | undefined)[] = [];
    const config = Object.freeze({ text: 'SELECT 1 AS one', callback: () => answered.push(trace.getActiveSpan()?.spanContext().spanId) });
    const once = () =>
      inUnitOfWork(async () => {
        const before = answered.length;
        client.query(config as unknown as pg.QueryConfig);
        await waitFor('the callback', () => answered.length > before, 10_000);
      });
    const units = [await once(), await once()];
    expect(answered).toEqual(units.map((u) => u.spanContext().spanId));
    expect(statements().map((s) => parentOf(s))).toEqual(units.map((u) => u.spanContext().spanId));
  });

  it("end a submittable's span through its callback, in the caller's context, and when its statement times out", async () => {
    const seen: { active?: string; endedBefore?: number; failure?: string } = {};
    const unit = await inUnitOfWork(async () => {
      await new Promise<void>((resolve) =>
        client.query(
          new pg.Query('SELECT 1', [], () => {
            seen.active = trace.getActiveSpan()?.spanContext().spanId;
            seen.endedBefore = statements().length;
            resolve();
          }),
        ),
      );
      // A client of its own, as the statement it gives up on runs on in the server until its second is up.
      const slow = new pg.Client({ connectionString: url, query_timeout: 1 });
      await slow.connect();
      try {
        await new Promise<void>((resolve) => slow.query(new pg.Query('SELECT pg_sleep(1)', [], (error?: Error) => ((seen.failure = error?.message), resolve()))));
      } finally {
        await slow.end();
      }
    });
    expect(seen).toEqual({ active: unit.spanContext().spanId, endedBefore: 1, failure: 'Query read timeout' });
    expect(statements().map((s) => [s.status.code, s.attributes['error.type']])).toEqual([
      [SpanStatusCode.UNSET, undefined],
      [SpanStatusCode.ERROR, 'Error'],
    ]);
  });

  it('make the span of a statement sent on an ended client an error', async () => {
    const ended = new pg.Client({ connectionString: url });
    await ended.connect();
    await ended.end();
    let rejected: unknown;
    await inUnitOfWork(() => ended.query('SELECT 1').catch((error: unknown) => (rejected = error)));
    expect(rejected).toBeInstanceOf(Error);
    // pg's own error, not PostgreSQL's: no SQLSTATE.
    expect(statements().map((s) => [s.status.code, s.attributes['error.type'], s.attributes['db.response.status_code']])).toEqual([[SpanStatusCode.ERROR, 'Error', undefined]]);
  });

  it("name a prepared statement's span by its name, as its plan", async () => {
    await inUnitOfWork(() => client.query({ name: 'order-by-id', text: 'SELECT $1::int AS id', values: [7] }));
    const [span] = statements();
    expect(span!.name).toBe(`pg.query:order-by-id ${database}`);
    expect(span!.attributes['db.postgresql.plan']).toBe('order-by-id');
    expect(span!.attributes['db.operation.name']).toBe('SELECT');
  });

  it('make nothing in a unit of work that is sampled out, and send the statement as it was', async () => {
    const sampledOut = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE });
    const { rows } = await context.with(trace.setSpan(ROOT_CONTEXT, sampledOut), () => client.query('SELECT 1 AS one'));
    expect(rows).toEqual([{ one: 1 }]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('send a statement whose span cannot start without one', async () => {
    const broken: TracerProvider = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('no tracer today');
        },
        startActiveSpan: () => {
          throw new Error('no tracer today');
        },
      }),
    };
    instrumentation.setTracerProvider(broken);
    try {
      let answered: unknown;
      await inUnitOfWork(async () => (answered = (await client.query('SELECT 1 AS one')).rows));
      expect(answered).toEqual([{ one: 1 }]);
    } finally {
      instrumentation.setTracerProvider(provider);
    }
    expect(statements()).toEqual([]);
  });

  it('patch pg once however often it is reached, as required or as an ES module, and unpatch it', async () => {
    const namespace = { [Symbol.toStringTag]: 'Module', default: pg };
    definition('pg').patch!(pg);
    definition('pg').patch!(namespace);
    await inUnitOfWork(() => client.query('SELECT 1'));
    expect(statements()).toHaveLength(1);

    exporter.reset();
    definition('pg').unpatch!(namespace);
    await inUnitOfWork(() => client.query('SELECT 1'));
    expect(statements()).toEqual([]);

    definition('pg').patch!(namespace);
    await inUnitOfWork(() => client.query('SELECT 1'));
    expect(statements()).toHaveLength(1);
  });

  describe('with a pool whose client another unit of work releases', () => {
    let pool: pg.Pool;
    beforeAll(() => {
      pool = new pg.Pool({ connectionString: url, max: 1 });
    });
    afterAll(() => pool.end());

    it.each([
      ['pool.query', (p: pg.Pool) => p.query('SELECT 1 AS waited')],
      ['pool.connect(callback)', (p: pg.Pool) => new Promise((resolve, reject) => p.connect((error, held, release) => (error ? reject(error) : held!.query('SELECT 1 AS waited').then((r) => (release(), resolve(r)), reject))))],
    ])('sends the waiting caller\'s statements in its own unit of work (%s)', async (_how, waitingQuery) => {
      let releaseFirst!: () => void;
      const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
      let first!: Span;
      let waiting!: Span;
      const firstDone = inUnitOfWork(async (unit) => {
        first = unit;
        const held = await pool.connect();
        await firstHolds;
        held.release();
      });
      const waitingDone = inUnitOfWork(async (unit) => {
        waiting = unit;
        // The pool's one client is held: this waits for it, and is handed it from the first unit's release.
        const answered = waitingQuery(pool);
        releaseFirst();
        await answered;
      });
      await Promise.all([firstDone, waitingDone]);
      const [span] = statements();
      expect(statements()).toHaveLength(1);
      expect(parentOf(span!)).toBe(waiting.spanContext().spanId);
      expect(parentOf(span!)).not.toBe(first.spanContext().spanId);
    });
  });
  describe('with pg-cursor and pg-query-stream', () => {
    const active = () => trace.getActiveSpan()?.spanContext().spanId;
    /** cursor.read with a callback: what it was given, and the span active in it. */
    const readWithCallback = (cursor: Cursor, rows: number) =>
      new Promise<{ rows: unknown[]; error?: string; activeIn?: string }>((resolve) => cursor.read(rows, (error, got) => resolve({ rows: got ?? [], error: error?.message, activeIn: active() })));

    it("give a cursor one span, ended when it is read to its end, and call each read's and close's callback in the caller's context", async () => {
      const seen: { rows: number[]; activeIn?: string }[] = [];
      let closedIn: string | undefined;
      const unit = await inUnitOfWork(async () => {
        const cursor = client.query(new Cursor('SELECT generate_series(1, 5) AS n'));
        for (let read = 0; read < 3; read++) {
          const { rows, error, activeIn } = await readWithCallback(cursor, 2);
          expect(error).toBeUndefined();
          seen.push({ rows: rows.map((r) => (r as { n: number }).n), activeIn });
        }
        // Read to its end: the span has ended, and close has nothing left to do (it calls back at once).
        expect(statements()).toHaveLength(1);
        await new Promise<void>((resolve) => cursor.close(() => ((closedIn = active()), resolve())));
      });
      const id = unit.spanContext().spanId;
      expect(seen).toEqual([
        { rows: [1, 2], activeIn: id },
        { rows: [3, 4], activeIn: id },
        { rows: [5], activeIn: id },
      ]);
      expect(closedIn).toBe(id);
      const [span] = statements();
      expect(statements()).toHaveLength(1);
      expect([span!.name, parentOf(span!), span!.status.code, span!.attributes['db.query.text']]).toEqual([
        `pg.query:SELECT ${database}`,
        id,
        SpanStatusCode.UNSET,
        'SELECT generate_series(1, 5) AS n',
      ]);
    });

    it("end a cursor's span when it is closed before its end, with close's callback and a promise read's continuation in the caller's context", async () => {
      const seen: { readResumedIn?: string; closedIn?: string } = {};
      const unit = await inUnitOfWork(async () => {
        const cursor = client.query(new Cursor('SELECT generate_series(1, 1000) AS n'));
        expect(await cursor.read(10)).toHaveLength(10);
        seen.readResumedIn = active();
        // Before its end, close waits for the server's answer: pg-cursor calls back from pg's socket.
        await new Promise<void>((resolve) => cursor.close(() => ((seen.closedIn = active()), resolve())));
      });
      expect(seen).toEqual({ readResumedIn: unit.spanContext().spanId, closedIn: unit.spanContext().spanId });
      expect(statements().map((s) => [parentOf(s), s.status.code])).toEqual([[unit.spanContext().spanId, SpanStatusCode.UNSET]]);
      // The client is free again: the cursor's portal was closed.
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });

    it("make a failed cursor's span an error, and give the read's callback the failure in the caller's context", async () => {
      const failure: { error?: string; activeIn?: string } = {};
      const unit = await inUnitOfWork(async () => {
        ({ error: failure.error, activeIn: failure.activeIn } = await readWithCallback(client.query(new Cursor('SELECT 1/0')), 10));
      });
      expect(failure).toEqual({ error: 'division by zero', activeIn: unit.spanContext().spanId });
      expect(statements().map((s) => [s.status.code, s.attributes['error.type']])).toEqual([[SpanStatusCode.ERROR, '22012']]);
      expect(parentOf(statements()[0]!)).toBe(unit.spanContext().spanId);
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });

    it("give a query stream one span named by its cursor's text, ended at its end, with its 'data' listeners in the caller's context", async () => {
      const rows: number[] = [];
      const listenedIn = new Set<string | undefined>();
      const unit = await inUnitOfWork(async () => {
        const stream = client.query(new QueryStream('SELECT generate_series(1, 250) AS n', [], { batchSize: 100 }));
        stream.on('data', (row: { n: number }) => (rows.push(row.n), listenedIn.add(active())));
        await new Promise((resolve, reject) => stream.once('end', resolve).once('error', reject));
      });
      expect(rows).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
      expect([...listenedIn]).toEqual([unit.spanContext().spanId]);
      const [span] = statements();
      expect(statements()).toHaveLength(1);
      expect([span!.name, parentOf(span!), span!.status.code, span!.attributes['db.query.text']]).toEqual([
        `pg.query:SELECT ${database}`,
        unit.spanContext().spanId,
        SpanStatusCode.UNSET,
        'SELECT generate_series(1, 250) AS n',
      ]);
    });

    it("end a query stream's span when it is destroyed early, and make a failed one's an error", async () => {
      await inUnitOfWork(async () => {
        const stream = client.query(new QueryStream('SELECT generate_series(1, 100000) AS n', [], { batchSize: 10 }));
        for await (const row of stream) {
          expect(row).toEqual({ n: 1 });
          break; // destroys the stream, which closes its cursor
        }
        const failing = client.query(new QueryStream('SELECT 1/0'));
        await expect(new Promise((resolve, reject) => failing.on('data', resolve).once('error', reject))).rejects.toThrow('division by zero');
      });
      expect(statements().map((s) => [s.status.code, s.attributes['error.type']])).toEqual([
        [SpanStatusCode.UNSET, undefined],
        [SpanStatusCode.ERROR, '22012'],
      ]);
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
  });
});

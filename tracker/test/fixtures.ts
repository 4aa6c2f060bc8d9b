import { InProcessBus } from '../../bus';
import { seededRandom } from '../../common/test/seeded-random';
import { UnavailableError, hashToken, loadConfig, type Config, type Logger } from '../../common';
import { loadModel, loadModelFile, DEFAULT_MODEL_PATH, type OrderEvent, type ProcessModel } from '../../events';
import { Registry } from 'prom-client';
import { createTracker, type Tracker } from '../tracker';
import { type Db, type Sql } from '../store';
import { openTestPglite } from './pglite-template';

export const model = loadModelFile(DEFAULT_MODEL_PATH);

/**
 * A two-step model whose placed -> pricing handoff (2m; placed is lost after 10m) is redriven by a
 * POST to `ownerUrl` with the token in OWNER_TOKEN; `auto` is added to its redrive as it is, e.g.
 * `, auto: { attempts: 2, backoff: 5m }`.
 */
export function redriveTestModel(ownerUrl: string, auto = ''): ProcessModel {
  return loadModel(
    `name: redrive-test
states:
  - { name: placed, system: shop, expect_within: 1m, lost_after: 10m }
  - { name: pricing, system: mes, expect_within: 5m, lost_after: 30m }
  - { name: done, system: mes, terminal: true }
transitions:
  - { from: placed, to: pricing }
  - { from: pricing, to: done }
handoffs:
  - { from: placed, to: pricing, within: 2m, via: RabbitMQ queue mes.pricing, redrive: { http: { url: "${ownerUrl}/orders/{order_id}/requote", token_env: OWNER_TOKEN }${auto} } }
`,
    'redrive-test.yaml',
  );
}
export const PIPELINE = ['placed', 'quote_requested', 'pricing', 'quoted', 'assigned', 'confirmed', 'in_production', 'produced', 'shipped'];

let next = 0;
/** A valid event with a fresh event_id; `at` is an RFC 3339 time or ms since the epoch. */
export function orderEvent(orderId: string, state: string, at: string | number, extra: Partial<OrderEvent> = {}): OrderEvent {
  next += 1;
  return {
    schema_version: 1,
    event_id: `00000000-0000-4000-8000-${String(next).padStart(12, '0')}`,
    order_id: orderId,
    source: model.state(state)?.system ?? 'shop',
    state,
    occurred_at: typeof at === 'number' ? new Date(at).toISOString() : at,
    seq: 0,
    attributes: {},
    ...extra,
  };
}

/** A small deterministic random generator (mulberry32), so that "random" tests replay exactly. */
export function random(seed: number): () => number {
  return seededRandom(seed).next;
}

export function shuffled<T>(items: readonly T[], rnd: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * One order's events through the pipeline in event-time order, `count` of them: the pipeline states
 * (some orders cancelled on the way), cut short when `count` is smaller, with states reported twice
 * when it is larger. Minutes apart, with jitter.
 */
export function journey(orderId: string, startMs: number, count: number, rnd: () => number): OrderEvent[] {
  const cancelAt = rnd() < 0.2 ? 1 + Math.floor(rnd() * 6) : -1;
  const states = cancelAt > 0 ? [...PIPELINE.slice(0, cancelAt), 'cancelled'] : [...PIPELINE];
  while (states.length < count) {
    const i = Math.floor(rnd() * (states.length - 1));
    states.splice(i + 1, 0, states[i]!);
  }
  let at = startMs;
  return states.slice(0, count).map((state, i) => {
    const event = orderEvent(orderId, state, at, { seq: i, attributes: i === 0 ? { segment: rnd() < 0.5 ? 'b2b' : 'b2c' } : {} });
    at += 60_000 + Math.floor(rnd() * 600_000);
    return event;
  });
}

/** A tracker on PGlite and an in-process bus, as embedded mode runs it. */
export interface EmbeddedTracker {
  readonly tracker: Tracker;
  readonly bus: InProcessBus;
  readonly db: Db;
  readonly registry: Registry;
  /** Closes bus and tracker; the store too unless `keepStore`. */
  close(keepStore?: boolean): Promise<void>;
}

export async function startEmbedded(
  options: { db?: Db; instance?: string; config?: Config; now?: () => number; model?: ProcessModel; logger?: Logger } = {},
): Promise<EmbeddedTracker> {
  const db = options.db ?? (await openTestPglite());
  const bus = new InProcessBus();
  const registry = new Registry();
  const tracker = await createTracker({
    config: options.config ?? loadConfig({ env: {} }),
    model: options.model ?? model,
    ...(options.logger && { logger: options.logger }),
    source: bus,
    store: db,
    registry,
    instance: options.instance ?? 'test-tracker',
    ...(options.now && { now: options.now }),
  });
  await tracker.start();
  return {
    tracker,
    bus,
    db,
    registry,
    async close(keepStore = false) {
      await bus.close();
      await tracker.close();
      if (!keepStore) await db.close();
    },
  };
}

/** Per label set of a histogram: count, sum and cumulative bucket counts, from the registry. */
export async function histogram(registry: Registry, name: string): Promise<Record<string, { count: number; sum: number; buckets: Record<string, number> }>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const out: Record<string, { count: number; sum: number; buckets: Record<string, number> }> = {};
  for (const v of (await metric.get()).values) {
    const state = String(v.labels.state);
    const entry = (out[state] ??= { count: 0, sum: 0, buckets: {} });
    const which = (v as { metricName?: string }).metricName ?? '';
    if (which.endsWith('_count')) entry.count = v.value;
    else if (which.endsWith('_sum')) entry.sum = v.value;
    else entry.buckets[String(v.labels.le)] = v.value;
  }
  return out;
}

/** The value of a counter or gauge for one label set (0 when absent). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const found = (await metric.get()).values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return found?.value ?? 0;
}

/** What the store derived, without timestamps of our own clock: to compare two runs. */
export async function storeSnapshot(db: Db): Promise<unknown> {
  return {
    orders: await db.query(
      `SELECT order_id, state, system, state_since::text, state_event_id::text, stay_count, status, first_event_at::text, last_event_at::text,
              last_event_seq::text, last_event_id::text, segment, operator_id, event_count, violation_count
       FROM orders ORDER BY order_id`,
    ),
    stays: await db.query(
      `SELECT order_id, seq_no, state, system, entered_at::text, left_at::text, duration_seconds, entered_event_id::text FROM stays ORDER BY order_id, seq_no`,
    ),
    flags: await db.query(`SELECT event_id::text, violation, violation_detail FROM events WHERE violation IS NOT NULL ORDER BY event_id`),
    events: await db.query(`SELECT count(*)::int AS n FROM events`),
  };
}

/**
 * The tokens of the API tests: `read-token` may read, `ingest-token` may only send shop events,
 * `admin-token` may read and retry or drop dead letters.
 */
export const READ_TOKEN = 'read-token';
export const INGEST_TOKEN = 'ingest-token';
export const ADMIN_TOKEN = 'admin-token';

/** A config whose tokens are {@link READ_TOKEN} ("reader"), {@link INGEST_TOKEN} and {@link ADMIN_TOKEN} ("oncall"), plus `tracker` settings. */
export function apiTestConfig(tracker: Partial<Config['tracker']> = {}): Config {
  return loadConfig({
    env: {},
    overrides: {
      tracker,
      tokens: [
        { name: 'reader', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
        { name: 'shop-agent', sha256: hashToken(INGEST_TOKEN), sources: ['shop'], scopes: ['ingest'] },
        { name: 'oncall', sha256: hashToken(ADMIN_TOKEN), scopes: ['read', 'admin'] },
      ],
    },
  });
}

/** GETs `path` from `baseUrl` with a bearer token (none when null): status, headers, text and parsed JSON. */
export async function apiGet(baseUrl: string, path: string, token: string | null = READ_TOKEN) {
  const res = await fetch(`${baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON bodies field by field
  const body: any = res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, text, body };
}

/** Per state: count, sum and cumulative bucket counts of a histogram (as {@link histogram} reads them). */
export type HistogramByState = Record<string, { count: number; sum: number; buckets: Record<string, number> }>;

/**
 * The time-in-state histogram the stored stays make (every closed stay of a model state, counted in
 * each bucket at or above its duration), computed from the stays table alone: what observed minus
 * retracted must equal. States without closed stays are left out; sums rounded to the microsecond.
 */
export async function staysHistogram(db: Sql, bounds: readonly number[], states: readonly string[] = model.states.map((s) => s.name)): Promise<HistogramByState> {
  const rows = await db.query<{ state: string; le: string; n: number; sum: number }>(
    `SELECT s.state, b.le::text AS le, count(*) FILTER (WHERE s.duration_seconds <= b.le)::float8 AS n, sum(s.duration_seconds)::float8 AS sum
     FROM stays s CROSS JOIN unnest($1::float8[] || 'Infinity'::float8) AS b(le)
     WHERE s.left_at IS NOT NULL AND s.state = ANY($2::text[])
     GROUP BY s.state, b.le`,
    [bounds, states],
  );
  const out: HistogramByState = {};
  for (const r of rows) {
    const entry = (out[r.state] ??= { count: 0, sum: Math.round(r.sum * 1e6) / 1e6, buckets: {} });
    const le = r.le === 'Infinity' ? '+Inf' : String(Number(r.le));
    entry.buckets[le] = r.n;
    if (le === '+Inf') entry.count = r.n;
  }
  return out;
}

/** Observed minus retracted time in state, per state with any stays left, sums rounded to the microsecond. */
export async function netStateDurations(registry: Registry, observed: string, retracted: string): Promise<HistogramByState> {
  return netHistogram(await histogram(registry, observed), await histogram(registry, retracted));
}

/** `plus` minus `minus`, per state with any stays left, sums rounded to the microsecond. */
export function netHistogram(plus: HistogramByState, minus: HistogramByState): HistogramByState {
  const out: HistogramByState = {};
  for (const [state, h] of Object.entries(plus)) {
    const r = minus[state] ?? { count: 0, sum: 0, buckets: {} };
    if (h.count - r.count === 0) continue;
    out[state] = {
      count: h.count - r.count,
      sum: Math.round((h.sum - r.sum) * 1e6) / 1e6,
      buckets: Object.fromEntries(Object.entries(h.buckets).map(([le, n]) => [le, n - (r.buckets[le] ?? 0)])),
    };
  }
  return out;
}

/**
 * A {@link Db} over `inner` with faults of the driver edge a test can switch on: the outcome of the
 * next commit lost (the transaction commits, then the caller gets the error a dropped connection
 * gives), or the database unreachable for this process (every statement fails).
 */
export function faultyDb(inner: Db): Db & { loseNextCommitOutcome(): void; setUnreachable(unreachable: boolean): void; readonly commitsLost: number } {
  let loseNext = false;
  let unreachable = false;
  let commitsLost = 0;
  const down = () => new UnavailableError(`${inner.description} is unreachable (test fault)`);
  return {
    description: inner.description,
    get commitsLost() {
      return commitsLost;
    },
    loseNextCommitOutcome: () => {
      loseNext = true;
    },
    setUnreachable: (value) => {
      unreachable = value;
    },
    query: (text, params) => (unreachable ? Promise.reject(down()) : inner.query(text, params)),
    exec: (script) => (unreachable ? Promise.reject(down()) : inner.exec(script)),
    close: () => inner.close(),
    async transaction(fn) {
      if (unreachable) throw down();
      const result = await inner.transaction(fn);
      if (loseNext) {
        loseNext = false;
        commitsLost += 1;
        throw new UnavailableError(`${inner.description}: Connection terminated unexpectedly (test fault: the COMMIT succeeded, its answer was lost)`);
      }
      return result;
    },
  };
}

/**
 * Resolves with the first value `probe` gives that is not undefined, polling every 250 ms (a probe
 * that throws has no value yet: a server still starting); fails after `timeoutMs` saying what it
 * waited for.
 */
export async function waitForValue<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Resolves once `condition` holds, checking every 10 ms; fails after `timeoutMs` saying what it waited for. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

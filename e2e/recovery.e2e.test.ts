import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { hashToken } from '../common';
import { DEMO_MODEL_PATH } from '../events';
import { orderFromCatalogue, partCatalogue, PipelineClient, type PipelineUrls, startFloor, type Floor, partSpecSchema, type NewOrder } from '../pipeline';
import { eventually } from './support/monitoring';
import { CLI, startPipelineStack, type PipelineStack } from './support/pipeline-stack';
import type { Notification } from './support/webhook';

/*
 * Recovering lost orders, on real servers (PostgreSQL, RabbitMQ, Kafka, Prometheus, Alertmanager) and
 * the real pipeline, as on-call would (issue 15):
 *
 * 1. the MES's fault switch drops 5 orders (a worker acks their cost-analysis request, then dies);
 *    the tracker declares them lost at the quote_requested -> pricing handoff and on-call is paged;
 * 2. the fault is fixed (the workers are deployed again without it), a dry run of the bulk redrive
 *    lists exactly those 5, the bulk redrive asks the shop to requote each, and all 5 go on to
 *    `shipped`, each with its attempt in its audit trail; the same request again does nothing;
 * 3. `orderscope reconcile` (the built CLI) reports an order whose events the shop dropped before
 *    they left (the faultUntrackedPart toggle; the MES fault stopped it too, so no other system told
 *    the tracker of it) as missing, and an order forced into another state in the MES's database
 *    as diverged, once the grace period has passed.
 *
 * Speed: the model is the demo model with every limit set to JOURNEY_SECONDS, the time this test
 * gives an order for its whole journey, except the handoff the fault breaks, which keeps its short
 * window: an order slower than that has failed the test anyway, so a slow machine cannot make a
 * healthy order lost where the test looks. The one healthy order that crosses the short handoff
 * (the one later forced to diverge) is shipped before the faulted orders are placed, so whatever
 * became of it on the way, the lost orders are the faulted ones. Nothing waits a fixed time: every
 * step waits for the event or state it needs, and nothing asserts on durations.
 */

jest.setTimeout(600_000);

/** The time an order is given to get anywhere: every limit of the model but the broken handoff's. */
const JOURNEY_SECONDS = 180;
/** How long a difference must last before `orderscope reconcile` reports it: small, so the test is short. */
const GRACE = '2s';
const RUN = randomBytes(3).toString('hex').toUpperCase();
/** Parts that trip the MES fault; the untracked one's prefix starts with it, so it trips both. */
const FAULT_PREFIX = `FAULT-${RUN}-`;
const UNTRACKED_PREFIX = `${FAULT_PREFIX}UNTRACKED-`;
const FAULTED = 5;
/** The token on-call redrives with: its name is who the audit trail says asked. */
const ONCALL_TOKEN = `oncall-${randomBytes(12).toString('hex')}`;

const catalogue = partCatalogue(4, `P-${RUN}`);
const orderFor = (i: number, partNumber?: string): NewOrder => {
  const order = orderFromCatalogue(i, catalogue);
  return partNumber ? { ...order, part: partSpecSchema.parse({ part_number: partNumber, material: 'titanium', dimensions_mm: { x: 40, y: 40, z: 40 } }) } : order;
};

/** The redrive action of each handoff: the service that owns the step the order missed. */
const redriveOf = (services: PipelineUrls, from: string) =>
  ({
    quote_requested: { http: { url: `${services.shop}/orders/{order_id}/requote` } },
    quoted: { http: { url: `${services.crm}/orders/{order_id}/reassign` } },
    confirmed: { http: { url: `${services.mesApi}/production/{order_id}/requeue` } },
  })[from];

/** The demo model with redrives on its handoffs and every limit but the broken handoff's at JOURNEY_SECONDS. */
function recoveryModel(services: PipelineUrls): string {
  const demo = parse(readFileSync(DEMO_MODEL_PATH, 'utf8')) as {
    states: { name: string; lost_after?: string; terminal?: boolean }[];
    handoffs: { from: string; within: string }[];
  };
  return stringify({
    ...demo,
    name: 'recovery-e2e',
    states: demo.states.map((s) => (s.terminal ? s : { ...s, lost_after: `${JOURNEY_SECONDS}s` })),
    handoffs: demo.handoffs.map((h) => ({ ...h, within: h.from === 'quote_requested' ? h.within : `${JOURNEY_SECONDS}s`, redrive: redriveOf(services, h.from) })),
  });
}

interface Redrive {
  order_id: string;
  state: string;
  source: string;
  action: string;
  result: string;
  answer: string;
  requested_by: string;
  requested_at: string;
  replayed?: boolean;
}
interface Timeline {
  state: string;
  status: string;
  stays: { state: string; entered_at: string }[];
  redrives: Redrive[];
}
interface Discrepancy {
  kind: string;
  order_id: string;
  tracker_state: string | null;
  sources: { source: string; value: string | null; state: string | null }[];
  since: string | null;
  age_seconds: number | null;
}
interface Reconciliation {
  generated_at: string;
  grace_seconds: number;
  counts: Record<string, number>;
  discrepancies: Discrepancy[];
}

let stack: PipelineStack;
let client: PipelineClient;
let floor: Floor;
const started = Date.now();
const startedAt = new Date(started).toISOString();

beforeAll(async () => {
  stack = await startPipelineStack({
    workers: 1,
    concurrency: 1,
    pricingIterations: 2000,
    toggles: [`faultAckThenDieOnPart=${FAULT_PREFIX}`, `faultUntrackedPart=${UNTRACKED_PREFIX}`],
    model: recoveryModel,
    trackerConfig: (db) => ({
      tokens: [{ name: 'oncall', sha256: hashToken(ONCALL_TOKEN), scopes: ['read', 'admin'] }],
      // The services' own order tables, as their pg-outbox sidecars would be started; the MES's
      // `queued` is still `confirmed` for orderscope, and the CRM's `pending` still `quoted`.
      reconcile: {
        sources: [
          { name: 'shop', url: db.shop, table: 'orders', idColumn: 'order_id', stateColumn: 'state' },
          { name: 'crm', url: db.crm, table: 'orders', idColumn: 'order_id', stateColumn: 'state', map: ['pending=quoted,assigned=assigned,confirmed=confirmed'] },
          { name: 'mes', url: db.mes, table: 'production_orders', idColumn: 'order_id', stateColumn: 'state', map: ['queued=confirmed,in_production=in_production,produced=produced,shipped=shipped'] },
        ],
      },
    }),
  });
  client = new PipelineClient({ shop: stack.shop.url, crm: stack.crm.url, mesApi: stack.mesApi.url });
  // The operators and the shop floor, working for the whole test.
  floor = startFloor(client);
  console.log(`e2e recovery: stack up in ${seconds(Date.now() - started)} s`);
});

afterAll(async () => {
  await floor?.stop();
  await stack?.stop();
  console.log(`e2e recovery: ${seconds(Date.now() - started)} s in all`);
});

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const timeline = (id: string) => stack.trackerApi<Timeline>(`/v1/orders/${encodeURIComponent(id)}`);
const lostIds = async () => (await stack.trackerApi<{ orders: { order_id: string }[] }>('/v1/lost?state=quote_requested&limit=500')).orders.map((o) => o.order_id).sort();

/** POST to the tracker with on-call's token. */
async function trackerPost<T>(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, stack.tracker.url), { method: 'POST', headers: { authorization: `Bearer ${ONCALL_TOKEN}`, ...headers } });
  return { status: res.status, body: (await res.json()) as T };
}

/** Waits until every order in `ids` is in `state` in the tracker. */
async function trackerReaches(ids: readonly string[], state: string, what: string): Promise<void> {
  await eventually(
    async () => (await Promise.all(ids.map(async (id) => [id, (await timeline(id).catch(() => undefined))?.state] as const))).filter(([, s]) => s !== state),
    (behind) => behind.length === 0,
    JOURNEY_SECONDS * 1000,
    `${what}${stack.diagnostics()}`,
  );
}

/** `orderscope reconcile` from dist/, over the test's run, with the test's grace period: its JSON. */
async function reconcile(): Promise<Reconciliation> {
  const run = await promisify(execFile)(process.execPath, [CLI, 'reconcile', '-c', stack.configFile, '--from', startedAt, '--grace', GRACE], { env: { ...process.env, NODE_OPTIONS: '' } });
  return JSON.parse(run.stdout) as Reconciliation;
}

describe('recovering lost orders: paged, redriven in bulk and audited, then reconciled (real servers, real pipeline)', () => {
  /** The healthy order that is later forced to diverge; shipped before anything is faulted. */
  let healthy: string;
  const faulted: string[] = [];
  let untracked: string;
  const bulkKey = randomUUID();
  let repeatedAtOnce: { status: number; body: { counts: Record<string, number>; orders: Redrive[] } };

  it('ships a healthy order first: no order is lost before the fault', async () => {
    healthy = (await client.placeOrder(orderFor(0), `healthy-${RUN}`)).order_id;
    await trackerReaches([healthy], 'shipped', 'the healthy order shipped in the tracker');
    expect(await lostIds()).toEqual([]);
  });

  it('the fault switch drops 5 orders: the tracker declares exactly them lost at the quote_requested -> pricing handoff, and pages on-call with their list', async () => {
    const placing = Date.now();
    for (let i = 1; i <= FAULTED; i++) faulted.push((await client.placeOrder(orderFor(i, `${FAULT_PREFIX}${i}`), `faulted-${RUN}-${i}`)).order_id);
    untracked = (await client.placeOrder(orderFor(9, `${UNTRACKED_PREFIX}1`), `untracked-${RUN}`)).order_id;
    faulted.sort();

    await eventually(lostIds, (ids) => faulted.every((id) => ids.includes(id)), JOURNEY_SECONDS * 1000, `the faulted orders lost${stack.diagnostics()}`);
    expect(await lostIds()).toEqual(faulted);
    for (const id of faulted) expect((await timeline(id)).status).toBe('lost');

    const isLostPage = (n: Notification) => n.path === '/page' && n.status === 'firing' && n.alerts.some((a) => a.status === 'firing' && a.labels.alertname === 'OrderLost' && a.labels.state === 'quote_requested');
    const page = await stack.webhook.waitFor(isLostPage, JOURNEY_SECONDS * 1000, `an OrderLost page for quote_requested${stack.diagnostics()}`);
    const alert = page.alerts.find((a) => a.labels.alertname === 'OrderLost' && a.labels.state === 'quote_requested')!;
    expect(alert.labels).toMatchObject({ severity: 'page', reason: 'handoff_missed' });
    expect(alert.annotations.orders_url).toBe(`${stack.tracker.url}/lost?state=quote_requested`);
    // What on-call opens from the page: the tracker's page of exactly those orders.
    const html = await (await fetch(alert.annotations.orders_url!, { headers: { authorization: `Bearer ${stack.token}` } })).text();
    const linked = [...html.matchAll(/<a href="\/orders\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1]!));
    expect([...new Set(linked)].sort()).toEqual(faulted);
    console.log(`e2e recovery: ${faulted.join(', ')} lost and paged ${seconds(Date.now() - placing)} s after they were placed; untracked: ${untracked}`);

    // Every request that trips the fault has been taken (the worker says which order it dropped as
    // it dies; with two requests in hand it drops both) before the fix is deployed.
    await eventually(
      async () => droppedByWorkers(),
      (ids) => [...faulted, untracked].every((id) => ids.has(id)),
      JOURNEY_SECONDS * 1000,
      `the worker took every faulted request${stack.diagnostics()}`,
    );
  });

  it('after the fix, a dry run lists exactly those 5 and does nothing; the bulk redrive moves all 5 on to shipped, each with its audit entry', async () => {
    await stack.redeployWorkers([]);

    const dry = await trackerPost<{ dry_run: boolean; counts: Record<string, number>; orders: { order_id: string; would: string; action: string; source: string }[] }>('/v1/lost/redrive?state=quote_requested&dry_run=true');
    expect(dry.status).toBe(200);
    expect(dry.body.counts).toEqual({ redrive: FAULTED });
    expect(dry.body.orders.map((o) => o.order_id).sort()).toEqual(faulted);
    for (const o of dry.body.orders) expect(o).toMatchObject({ would: 'redrive', action: `POST ${stack.shop.url}/orders/{order_id}/requote`, source: 'handoff quote_requested -> pricing' });
    expect(await requotesTaken()).toBe(0);

    const before = Date.now();
    const bulk = await trackerPost<{ counts: Record<string, number>; orders: Redrive[] }>('/v1/lost/redrive?state=quote_requested', { 'idempotency-key': bulkKey });
    const after = Date.now();
    expect(bulk.status).toBe(200);
    expect(bulk.body.counts).toEqual({ done: FAULTED });
    expect(bulk.body.orders.map((o) => o.order_id).sort()).toEqual(faulted);
    console.log(`e2e recovery: bulk redrive answered ${JSON.stringify(bulk.body.counts)}`);
    // A client that retries at once (it did not see the answer): the orders may still be lost.
    repeatedAtOnce = await trackerPost<{ counts: Record<string, number>; orders: Redrive[] }>('/v1/lost/redrive?state=quote_requested', { 'idempotency-key': bulkKey });

    await trackerReaches(faulted, 'shipped', 'the redriven orders shipped in the tracker');
    console.log(`e2e recovery: all 5 shipped ${seconds(Date.now() - after)} s after the bulk redrive answered; audit of ${faulted[0]}: ${JSON.stringify((await timeline(faulted[0]!)).redrives)}`);
    for (const id of faulted) {
      const t = await timeline(id);
      expect(t.status).toBe('done');
      expect(t.redrives).toHaveLength(1);
      const [attempt] = t.redrives;
      expect(attempt).toEqual({
        order_id: id,
        state: 'quote_requested',
        source: 'handoff quote_requested -> pricing',
        action: `POST ${stack.shop.url}/orders/{order_id}/requote`,
        result: 'done',
        answer: expect.stringMatching(/^202 \{"order_id":"[^"]+","redriven":true,"state":"quote_requested","reason":"sent its cost-analysis request to mes.pricing again/),
        requested_by: 'oncall',
        requested_at: expect.any(String),
      });
      // When: while the request was being answered, by the tracker's clock (the same machine's).
      expect(Date.parse(attempt!.requested_at)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(attempt!.requested_at)).toBeLessThanOrEqual(after + 1000);
    }
    expect(await requotesTaken()).toBe(FAULTED);
  });

  it('the same redrive request again (same idempotency key) does nothing, at once or once the orders moved on', async () => {
    // At once: each order still lost gets its first attempt back.
    expect(repeatedAtOnce.status).toBe(200);
    expect(repeatedAtOnce.body.orders.filter((o) => o.replayed !== true || !faulted.includes(o.order_id))).toEqual([]);
    console.log(`e2e recovery: the same request at once answered ${JSON.stringify({ counts: repeatedAtOnce.body.counts, replayed: repeatedAtOnce.body.orders.map((o) => [o.order_id, o.replayed]) })}`);
    const again = await trackerPost<{ counts: Record<string, number>; orders: Redrive[] }>('/v1/lost/redrive?state=quote_requested', { 'idempotency-key': bulkKey });
    expect(again.status).toBe(200);
    // The orders are shipped, so none is lost any more; one still listed would get its first attempt back.
    expect(again.body.orders.filter((o) => o.replayed !== true)).toEqual([]);
    expect(await requotesTaken()).toBe(FAULTED);
    for (const id of faulted) expect((await timeline(id)).redrives).toHaveLength(1);
    console.log(`e2e recovery: the same request once shipped answered ${JSON.stringify(again.body)}`);
  });

  it('orderscope reconcile reports the order whose events were dropped before they left as missing', async () => {
    // The shop holds it; no event of it ever reached the tracker.
    expect((await stack.query<{ state: string }>('shop', 'SELECT state FROM orders WHERE order_id = $1', [untracked]))[0]?.state).toBe('quote_requested');
    expect((await stack.query<{ event_id: string | null }>('shop', 'SELECT event_id FROM state_changes WHERE order_id = $1 ORDER BY changed_at', [untracked])).map((r) => r.event_id)).toEqual([null, null]);
    await expect(timeline(untracked)).rejects.toThrow(/answered 404/);

    const result = await reconcile();
    expect(result.discrepancies.map((d) => [d.kind, d.order_id])).toEqual([['missing', untracked]]);
    expect(result.discrepancies[0]).toMatchObject({ tracker_state: null, sources: [{ source: 'shop', value: 'quote_requested', state: 'quote_requested' }] });
    console.log(`e2e recovery: reconcile before the forced change: ${JSON.stringify(result.counts)} ${JSON.stringify(result.discrepancies)}`);
  });

  it('orderscope reconcile reports an order forced into another state in the MES database as diverged, once the grace period has passed', async () => {
    // The shop floor goes home first: it would ship a produced order again.
    await floor.stop();
    const forced = await stack.query<{ order_id: string }>('mes', "UPDATE production_orders SET state = 'produced' WHERE order_id = $1 AND state = 'shipped' RETURNING order_id", [healthy]);
    expect(forced).toHaveLength(1);
    const shippedSince = (await timeline(healthy)).stays.at(-1)!.entered_at;

    const result = await eventually(reconcile, (r) => r.discrepancies.some((d) => d.kind === 'diverged'), 60_000, 'the forced order reported diverged');
    expect(result.discrepancies.map((d) => [d.kind, d.order_id])).toEqual([
      ['missing', untracked],
      ['diverged', healthy],
    ]);
    const diverged = result.discrepancies[1]!;
    expect(diverged).toMatchObject({
      tracker_state: 'shipped',
      sources: expect.arrayContaining([{ source: 'mes', value: 'produced', state: 'produced' }]),
      // The MES's table has no updated-at column: the difference is as old as the tracker's state.
      since: shippedSince,
    });
    expect(diverged.age_seconds!).toBeGreaterThan(result.grace_seconds);
    expect(result.counts).toEqual({ missing: 1, orphan: 0, diverged: 1, duplicated: 0 });
    console.log(`e2e recovery: reconcile after it: ${JSON.stringify(result.discrepancies.map((d) => ({ kind: d.kind, order_id: d.order_id, tracker_state: d.tracker_state, sources: d.sources })))}`);
  });
});

/** The orders whose cost-analysis request a worker acked and dropped as it died, from every run's log. */
function droppedByWorkers(): Set<string> {
  const text = stack.workers.map((w) => readFileSync(w.logFile, 'utf8')).join('\n');
  return new Set([...text.matchAll(/acked the cost-analysis request of order (\S+) before processing it/g)].map((m) => m[1]!));
}

/** Requotes the shop took (its RED metric of POST /orders/:id/requote answered 202). */
async function requotesTaken(): Promise<number> {
  const text = await (await fetch(`${stack.shop.url}/metrics`)).text();
  return Number(/^orderscope_http_server_requests_total\{method="POST",route="\/orders\/:id\/requote",status="202"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

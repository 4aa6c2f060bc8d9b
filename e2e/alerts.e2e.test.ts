import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { ALERT_FILES, alertFiles, DEMO_ALERT_OPTIONS, resolveAlertOptions, type AlertOptions, orderAlertLabels, orderLostAnnotations } from '../alerts';
import { KafkaPublisher, KafkaSource, LagMonitor } from '../bus';
import { BROKERS, deleteTopic, freshTopic, KAFKA_CLIENT } from '../bus/test/kafka-topic';
import { createCollector, type Collector } from '../collector';
import { CollectorClient } from '../agents/shared';
import { collectProcessMetrics, createLogger, hashToken, loadConfig, type Config, listen, type RunningServer } from '../common';
import { DEMO_MODEL_PATH, loadModelFile, type OrderEventInput } from '../events';
import { createTracker, openPostgres, type Db, type Tracker } from '../tracker';
import { createTestDatabase } from '../tracker/test/postgres';
import type { ChildServer } from './support/child-server';
import { eventually, promQuery, startAlertmanager, startPrometheus } from './support/monitoring';
import { startWebhookReceiver, type Notification, type WebhookReceiver } from './support/webhook';

/*
 * The whole chain on real servers, on the demo model (SLAs in seconds): events posted to the
 * collector go through Kafka to the tracker (PostgreSQL); Prometheus scrapes collector and tracker
 * every second and evaluates the rules generated for the demo model; Alertmanager, with the generated
 * configuration, pages the webhook this test runs.
 *
 * An order stops at quote_requested: pricing (MES) never picks it up. 10 s later (the handoff's
 * window) the tracker declares it lost and on-call is paged: OrderLost, naming the state and the
 * handoff, with a link that lists the order. A pricing event then recovers it, and the page resolves
 * once the loss has left the alert's window (DEMO_ALERT_OPTIONS.lostWindow, 10 s).
 */

jest.setTimeout(180_000);

const model = loadModelFile(DEMO_MODEL_PATH);
const JOB = 'orderscope';
const TOKEN = `e2e-${randomBytes(12).toString('hex')}`;
const TRACE = randomBytes(16).toString('hex');

interface Stack {
  dir: string;
  log: WriteStream;
  topic: string;
  dropDatabase: () => Promise<void>;
  store: Db;
  trackerBus: KafkaSource;
  lagMonitor: LagMonitor;
  collectorBus: KafkaPublisher;
  tracker: Tracker;
  trackerServer: RunningServer;
  collector: Collector;
  collectorUrl: string;
  webhook: WebhookReceiver;
  alertmanager: ChildServer;
  prometheus: ChildServer;
  alertOptions: Partial<AlertOptions>;
}

const stack: Partial<Stack> = {};

beforeAll(async () => {
  const dir = (stack.dir = mkdtempSync(path.join(tmpdir(), 'orderscope-e2e-')));
  stack.log = createWriteStream(path.join(dir, 'orderscope.log'));
  const topic = (stack.topic = freshTopic('e2e-alerts'));
  const database = await createTestDatabase();
  stack.dropDatabase = database.drop;
  const config: Config = loadConfig({
    env: {},
    overrides: {
      // The lag monitor on the demo's clock of seconds.
      kafka: { client: KAFKA_CLIENT, brokers: BROKERS, topic, partitions: 1, groupId: `orderscope-e2e-${randomUUID()}`, lagIntervalMs: 500, lagWindowMs: 5000 },
      postgres: { url: database.url },
      collector: { port: 0 },
      // The sweeper looks for due orders four times a second: the demo model counts in seconds.
      tracker: { port: 0, sweepIntervalMs: 250, traceBackend: 'zipkin', traceBackendUrl: 'http://127.0.0.1:9411' },
      tokens: [{ name: 'e2e', sha256: hashToken(TOKEN), sources: ['*'], scopes: ['ingest', 'read'] }],
    },
  });
  const logger = createLogger('orderscope', 'info', { destination: stack.log });

  // As `orderscope tracker` and `orderscope collector` wire them, in one process.
  const trackerRegistry = new Registry();
  collectProcessMetrics(trackerRegistry);
  stack.store = openPostgres({ url: database.url, poolSize: 4 });
  stack.trackerBus = new KafkaSource({ kafka: config.kafka, logger, registry: trackerRegistry });
  stack.tracker = await createTracker({ config, model, source: stack.trackerBus, store: stack.store, logger, registry: trackerRegistry, instance: 'e2e' });
  await stack.tracker.start();
  await stack.trackerBus.start();
  stack.lagMonitor = new LagMonitor({ kafka: config.kafka, logger, registry: trackerRegistry });
  await stack.lagMonitor.start();
  stack.trackerServer = await listen(stack.tracker.app, '127.0.0.1', 0);
  const collectorRegistry = new Registry();
  stack.collectorBus = new KafkaPublisher({ kafka: config.kafka, publishTimeoutMs: config.collector.publishTimeoutMs, logger, registry: collectorRegistry });
  await stack.collectorBus.start();
  stack.collector = createCollector({ config, bus: stack.collectorBus, logger, registry: collectorRegistry });
  stack.collectorUrl = (await stack.collector.start()).url;

  // Generated for the demo model with the demo's short windows; pages go to this test's webhook,
  // and Alertmanager sends each change of a group at once.
  stack.webhook = await startWebhookReceiver();
  stack.alertOptions = {
    ...DEMO_ALERT_OPTIONS,
    trackerJob: JOB,
    collectorJob: JOB,
    trackerUrl: stack.trackerServer.url,
    pageWebhookUrl: `${stack.webhook.url}/page`,
    ticketWebhookUrl: `${stack.webhook.url}/ticket`,
    groupWait: '1s',
    groupInterval: '1s',
  };
  const files = alertFiles(model, stack.alertOptions);
  const file = (name: string) => files.find((f) => f.name === name)!;
  stack.alertmanager = await startAlertmanager(dir, file(ALERT_FILES.alertmanager).content);
  stack.prometheus = await startPrometheus(dir, {
    rules: [file(ALERT_FILES.rules)],
    alertmanager: stack.alertmanager,
    jobs: [{ job: JOB, targets: [stack.trackerServer.url, stack.collectorUrl].map((u) => new URL(u).host) }],
    interval: DEMO_ALERT_OPTIONS.evaluationInterval!,
  });
});

afterAll(async () => {
  const steps: [string, (() => Promise<unknown>) | undefined][] = [
    ['prometheus', stack.prometheus?.stop],
    ['alertmanager', stack.alertmanager?.stop],
    ['webhook', stack.webhook?.close],
    ['collector', stack.collector?.close],
    ['collector bus', stack.collectorBus && (() => stack.collectorBus!.close())],
    ['tracker bus', stack.trackerBus && (() => stack.trackerBus!.close())],
    ['lag monitor', stack.lagMonitor && (() => stack.lagMonitor!.close())],
    ['tracker', stack.tracker?.close],
    ['tracker server', stack.trackerServer?.close],
    ['store', stack.store?.close],
    ['database', stack.dropDatabase],
    ['topic', stack.topic ? () => deleteTopic(stack.topic!) : undefined],
    ['log', stack.log && (() => new Promise((r) => stack.log!.end(r)))],
  ];
  const failed: string[] = [];
  for (const [name, stop] of steps) {
    try {
      await stop?.();
    } catch (err) {
      failed.push(`${name}: ${String(err)}`);
    }
  }
  if (stack.dir) rmSync(stack.dir, { recursive: true, force: true });
  if (failed.length > 0) throw new Error(`teardown failed: ${failed.join('; ')}`);
});

const api = async (url: string) => {
  const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as Record<string, unknown>;
};

/** An event of the order that happened `agoMs` before now (events of one order must not share an instant: ties go by event_id). */
const event = (orderId: string, state: string, agoMs = 0): OrderEventInput => ({
  schema_version: 1,
  event_id: randomUUID(),
  order_id: orderId,
  source: model.state(state)!.system,
  state,
  occurred_at: new Date(Date.now() - agoMs).toISOString(),
  trace_id: TRACE,
  attributes: { segment: 'b2b' },
});

/** Is `n` a page whose alerts include OrderLost for quote_requested with `status`? */
const lostPage = (status: 'firing' | 'resolved') => (n: Notification) =>
  n.path === '/page' && n.status === status && n.alerts.some((a) => a.status === status && a.labels.alertname === 'OrderLost' && a.labels.state === 'quote_requested');

/** The servers' logs, for a failure message. */
const diagnostics = () => `\n--- prometheus ---\n${stack.prometheus?.logTail()}\n--- alertmanager ---\n${stack.alertmanager?.logTail()}`;

describe('a lost order pages on-call through Prometheus and Alertmanager (demo model, real servers)', () => {
  const orderId = `E2E-${randomBytes(4).toString('hex')}`;
  let page: Notification;

  it('Prometheus scrapes the tracker and the collector, and sees the lost counter at zero', async () => {
    const prometheus = stack.prometheus!;
    await eventually(() => promQuery(prometheus, `up{job="${JOB}"}`), (r) => r.length === 2 && r.every((s) => s.value === 1), 30_000, `both targets up${diagnostics()}`);
    // increase() needs the zero before the first loss.
    await eventually(
      () => promQuery(prometheus, 'orderscope_orders_lost_total{state="quote_requested",reason="handoff_missed"}'),
      (r) => r.length === 1 && r[0]!.value === 0,
      30_000,
      'the lost counter at 0',
    );
  });

  it('an order whose quote_requested -> pricing handoff is missed pages OrderLost, naming the state and the handoff', async () => {
    const client = new CollectorClient({ url: stack.collectorUrl!, token: TOKEN });
    expect(await client.post([event(orderId, 'placed', 1000), event(orderId, 'quote_requested')])).toEqual({ accepted: 2, rejected: [] });

    page = await stack.webhook!.waitFor(lostPage('firing'), 60_000, `OrderLost page for quote_requested${diagnostics()}`);
    const alert = page.alerts.find((a) => a.labels.alertname === 'OrderLost')!;
    const ctx = { model, options: resolveAlertOptions(model, stack.alertOptions) };
    const state = model.state('quote_requested')!;
    expect(alert.labels).toEqual({ alertname: 'OrderLost', ...orderAlertLabels(ctx, state, 'page'), reason: 'handoff_missed' });
    expect(alert.annotations).toEqual(orderLostAnnotations(ctx, state, { count: '1', reason: 'handoff_missed' }));
    expect(alert.annotations.summary).toBe('1 order(s) lost in quote_requested (handoff_missed), at the handoff to pricing (mes)');
    expect(alert.annotations.handoff).toBe('quote_requested (shop) -> pricing (mes) within 10s via RabbitMQ queue mes.pricing (shop -> MES)');
  });

  it("the page's orders_url opens the tracker's page of the lost orders, and its API twin says why, since when, and the trace", async () => {
    const alert = page.alerts.find((a) => a.labels.alertname === 'OrderLost')!;
    expect(alert.annotations.orders_url).toBe(`${stack.trackerServer!.url}/lost?state=quote_requested`);
    const html = await fetch(alert.annotations.orders_url!, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect([html.status, html.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await html.text()).toContain(`<a href="/orders/${orderId}">${orderId}</a>`);
    const listed = (await api(`${stack.trackerServer!.url}/v1/lost?state=quote_requested`)) as { orders: Record<string, unknown>[] };
    expect(listed.orders).toEqual([
      expect.objectContaining({
        order_id: orderId,
        state: 'quote_requested',
        system: 'shop',
        reason: 'handoff_missed',
        handoff: expect.objectContaining({ to: 'pricing', to_system: 'mes', within_seconds: 10 }),
        segment: 'b2b',
        trace_url: `http://127.0.0.1:9411/zipkin/traces/${TRACE}`,
        traces_search_url: `http://127.0.0.1:9411/zipkin/?annotationQuery=order.id%3D${orderId}`,
        timeline_url: `/v1/orders/${orderId}`,
      }),
    ]);
  });

  it('a later pricing event recovers the order, and the page resolves', async () => {
    const client = new CollectorClient({ url: stack.collectorUrl!, token: TOKEN });
    await client.post([event(orderId, 'pricing')]);
    await eventually(() => api(`${stack.trackerServer!.url}/v1/orders/${orderId}`), (o) => o.status === 'recovered', 30_000, 'the order recovered');
    await eventually(
      () => promQuery(stack.prometheus!, 'orderscope_orders_recovered_total{state="quote_requested",from_status="lost"}'),
      (r) => r[0]?.value === 1,
      30_000,
      'Prometheus sees the recovery',
    );
    const resolved = await stack.webhook!.waitFor(lostPage('resolved'), 60_000, `resolved OrderLost page${diagnostics()}`);
    expect(resolved.alerts.find((a) => a.labels.alertname === 'OrderLost')!.labels).toMatchObject({ state: 'quote_requested', reason: 'handoff_missed', severity: 'page' });
  });

  it("what Prometheus scraped passes promtool check metrics (tracker with the Kafka bus, and collector)", async () => {
    for (const url of [stack.trackerServer!.url, stack.collectorUrl!]) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect([url, `${run.stdout}${run.stderr}`.trim(), run.status]).toEqual([url, '', 0]);
    }
    const tracker = await (await fetch(`${stack.trackerServer!.url}/metrics`)).text();
    expect(tracker).toMatch(/^orderscope_bus_consumer_lag_messages\{topic="[^"]+",partition="0"\} 0$/m);
  });
});

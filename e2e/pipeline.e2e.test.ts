import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEMO_MODEL_PATH, mainPath } from '../events';
import { SERIES_COLORS } from '../tracker';
import { ensureChromium, screenshot, SCREENSHOT_DIR } from '../tracker/test/chromium';
import { decodePng, inkIn } from '../tracker/test/png';
import { PipelineClient, runLimited, startFloor, partKey, partSpecSchema, type NewOrder, orderFromCatalogue, partCatalogue, placeOrders } from '../pipeline';
import { eventually, promQuery } from './support/monitoring';
import { zipkinTrace, zipkinTracesOfOrder, type ZipkinSpan } from './support/zipkin';
import { CLI, demoModel, PIPELINE_JOB, startPipelineStack, type PipelineStack } from './support/pipeline-stack';
import { formatPanelTable, panelRows } from './support/panel-table';
import { dashboardFiles } from '../dashboards';
import { runDashboard } from '../dashboards/preview';
import type { Notification } from './support/webhook';

/*
 * The whole system, every part a real server or a child process: 500 orders go through the
 * re-architected pipeline (shop -> RabbitMQ -> 3 MES pricing workers -> CRM -> operators -> MES
 * production), instrumented with the orderscope agent; the collector takes their events into Kafka,
 * the tracker (demo model: deadlines in seconds) keeps their timelines, Prometheus evaluates the
 * generated alert rules and Alertmanager pages this test's webhook.
 *
 * A few orders are for parts that trip the fault switch: the worker that takes one acks it before
 * processing it and dies (the old MES bug), and its supervisor starts it again. Those orders, and
 * only those, must be reported lost at the quote_requested -> pricing handoff and paged; every other
 * order must be shipped, with the tracker's time in each state equal to what the services recorded.
 */

jest.setTimeout(600_000);

const ORDERS = 500;
/** Orders placed per second: a steady flow that the demo model's 10 s handoffs leave room for on two cores. */
const RATE_PER_SECOND = 10;
/**
 * The dashboard panels that have no data in this run, and why: what they show did not happen. Each is
 * checked both ways: a panel missing here that has no data fails, and so does one listed here that has.
 */
const EXPECTED_EMPTY: Readonly<Record<string, string>> = {
  'Lead time to cancelled': 'no order is cancelled in this run: the quantiles of an empty histogram are NaN, which Grafana draws as no line',
  'Rejected share, by reason': 'the collector rejects no event (the query keeps shares > 0 only)',
  'Partitions not ok, by status': 'no partition stalls, lags, rewinds or goes unowned (the query keeps == 1 only)',
};
/** The orders (by index) whose part trips the fault switch, spread over the run. */
const FAULTED = new Set([30, 120, 210, 300, 390]);
const FAULT_PREFIX = 'FAULT-';
/** Distinct parts of the healthy orders: each is ordered about a dozen times, so most are cache hits. */
const CATALOGUE_SIZE = 40;
/** In every part number: the pricing cache in Redis outlives a run, and each run must price its parts afresh. */
const RUN = randomBytes(3).toString('hex').toUpperCase();

const catalogue = partCatalogue(CATALOGUE_SIZE, `P-${RUN}`);
/**
 * The spans every order's first trace holds, as Zipkin names them (lower case): the shop's request, the
 * pricing worker's consume, the CRM's consume and its assignment.
 */
const ORDER_TRACE_SPANS = ['post /orders', 'mes.pricing process', 'crm.quotes process', 'crm assign order'];
/** The i-th order of the run: from the catalogue, or for a part that trips the fault switch. */
const orderOf = (i: number): NewOrder => {
  const order = orderFromCatalogue(i, catalogue);
  return FAULTED.has(i) ? { ...order, part: partSpecSchema.parse({ part_number: `${FAULT_PREFIX}${RUN}-${i}`, material: 'titanium', dimensions_mm: { x: 50, y: 50, z: 50 } }) } : order;
};

interface Stay {
  state: string;
  entered_at: string;
  left_at: string | null;
  duration_seconds: number;
}
interface TimelineEvent {
  event_id: string;
  state: string;
  source: string;
  trace_id: string | null;
  span_id: string | null;
}
interface Timeline {
  order_id: string;
  state: string;
  status: string;
  stays: Stay[];
  events: TimelineEvent[];
}
interface OrderTraces {
  order_id: string;
  search_url: string | null;
  traces: { trace_id: string; trace_url: string | null; events: { state: string; span_id: string | null }[] }[];
}
interface LostOrder {
  order_id: string;
  state: string;
  reason: string;
  lost_at: string;
  state_since: string;
  handoff: { to: string; within_seconds: number } | null;
}

let stack: PipelineStack;
/** order id -> index of the order in the run */
const placed = new Map<string, number>();
const healthy = () => [...placed].filter(([, i]) => !FAULTED.has(i)).map(([id]) => id);
const faulted = () => [...placed].filter(([, i]) => FAULTED.has(i)).map(([id]) => id);
const started = Date.now();

beforeAll(async () => {
  stack = await startPipelineStack({ workers: 3, concurrency: 1, pricingIterations: 2000, toggles: [`faultAckThenDieOnPart=${FAULT_PREFIX}`] });
  console.log(`e2e pipeline: stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

afterAll(async () => {
  await stack?.stop();
  console.log(`e2e pipeline: ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
});

describe('500 orders through the instrumented pipeline, a few lost to the old MES bug (real servers, demo model)', () => {
  it('ships every healthy order: customers order, workers price, operators confirm, the shop floor produces and ships', async () => {
    const client = new PipelineClient({ shop: stack.shop.url, crm: stack.crm.url, mesApi: stack.mesApi.url });
    // Operators and the shop floor work beside the customers.
    const floor = startFloor(client);

    const t0 = Date.now();
    await placeOrders(client, { rate: RATE_PER_SECOND, count: ORDERS, order: orderOf, onPlaced: (id, i) => placed.set(id, i) });
    expect(placed.size).toBe(ORDERS);
    console.log(`e2e pipeline: ${ORDERS} orders placed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    try {
      await eventually(
        () => stack.query<{ n: number }>('mes', `SELECT count(*)::int AS n FROM production_orders WHERE state = 'shipped'`),
        (rows) => rows[0]!.n === ORDERS - FAULTED.size,
        240_000,
        `every healthy order shipped${stack.diagnostics()}`,
      );
    } finally {
      await floor.stop();
    }
    console.log(`e2e pipeline: all healthy orders shipped ${((Date.now() - t0) / 1000).toFixed(1)} s after the first was placed`);
  });

  it("reports each healthy order shipped, its time in each state what the services' own records say, to the millisecond", async () => {
    const happyPath = mainPath(demoModel);
    // Each service's journal: when the order entered a state there (the clock just before and just
    // after trackOrder stamped the event: the same millisecond unless the process was paused), and
    // the event that said so.
    const journal = new Map<string, { from: number; to: number; eventId: string }>();
    for (const db of ['shop', 'mes', 'crm'] as const) {
      const rows = await stack.query<{ order_id: string; state: string; changed_at: Date; tracked_at: Date; event_id: string }>(db, 'SELECT order_id, state, changed_at, tracked_at, event_id FROM state_changes');
      for (const row of rows) journal.set(`${row.order_id}/${row.state}`, { from: row.changed_at.getTime(), to: row.tracked_at.getTime(), eventId: row.event_id });
    }
    const timelines = new Map<string, Timeline>();
    await eventually(
      async () => {
        const missing = healthy().filter((id) => timelines.get(id)?.state !== 'shipped');
        await runLimited(
          missing.map((id) => async () => void timelines.set(id, await stack.trackerApi<Timeline>(`/v1/orders/${id}`).catch(() => ({ state: 'unknown' }) as Timeline))),
          8,
        );
        return healthy().filter((id) => timelines.get(id)?.state !== 'shipped');
      },
      (notShipped) => notShipped.length === 0,
      60_000,
      'every healthy order shipped in the tracker',
    );

    const mismatches: string[] = [];
    let exact = 0;
    for (const id of healthy()) {
      const timeline = timelines.get(id)!;
      expect([id, timeline.status, timeline.stays.map((s) => s.state)]).toEqual([id, 'done', happyPath]);
      for (const [k, stay] of timeline.stays.entries()) {
        const own = journal.get(`${id}/${stay.state}`);
        const next = journal.get(`${id}/${happyPath[k + 1]}`);
        const event = timeline.events.find((e) => e.state === stay.state);
        if (!own || event?.event_id !== own.eventId) {
          mismatches.push(`${id} ${stay.state}: the tracker's event ${event?.event_id} is not the one the service recorded (${own?.eventId})`);
          continue;
        }
        const entered = Date.parse(stay.entered_at);
        if (entered < own.from || entered > own.to) mismatches.push(`${id} ${stay.state}: entered ${stay.entered_at} in the tracker, between ${new Date(own.from).toISOString()} and ${new Date(own.to).toISOString()} in the service`);
        if (own.from === own.to) exact += 1;
        if (!next) continue;
        // Milliseconds, as the tracker reports the stay's duration in seconds with three decimals.
        const ms = Math.round(stay.duration_seconds * 1000);
        if (ms < next.from - own.to || ms > next.to - own.from) {
          mismatches.push(`${id} ${stay.state}: ${stay.duration_seconds} s in the tracker, ${(next.from - own.to) / 1000}-${(next.to - own.from) / 1000} s by the services' records`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    console.log(`e2e pipeline: ${exact} of ${journal.size} state changes stamped within one millisecond tick by their service`);
  });

  it('reports exactly the faulted orders lost, at the quote_requested -> pricing handoff, once its deadline passed', async () => {
    const handoff = demoModel.handoffs.find((h) => h.from === 'quote_requested')!;
    const lost = await eventually(
      () => stack.trackerApi<{ orders: LostOrder[] }>('/v1/lost?limit=500'),
      (r) => r.orders.length >= FAULTED.size,
      (handoff.withinSeconds + 30) * 1000,
      'the faulted orders reported lost',
    );
    expect(lost.orders.map((o) => o.order_id).sort()).toEqual(faulted().sort());
    for (const order of lost.orders) {
      expect(order).toMatchObject({ state: 'quote_requested', reason: 'handoff_missed', handoff: { to: 'pricing', within_seconds: handoff.withinSeconds } });
      // Declared lost once the handoff's deadline had passed, never before it. How soon after is the
      // sweeper's speed, not an outcome: the wait above bounds it, and nothing here asserts on it.
      expect(Date.parse(order.lost_at)).toBeGreaterThanOrEqual(Date.parse(order.state_since) + handoff.withinSeconds * 1000);
      // The order's own timeline says the same: it stopped in quote_requested, since the time the report gives.
      const timeline = await stack.trackerApi<Timeline>(`/v1/orders/${encodeURIComponent(order.order_id)}`);
      expect([timeline.status, timeline.stays.map((s) => s.state).at(-1), timeline.stays.at(-1)?.entered_at]).toEqual(['lost', 'quote_requested', order.state_since]);
      expect(timeline.events.map((e) => e.state)).not.toContain('pricing');
    }
    // Each fault killed the worker that took it, and each was started again by its supervisor.
    const crashes = stack.workers.flatMap((w) => w.exits.filter((code) => code === 1));
    expect(crashes).toHaveLength(FAULTED.size);
    // ... and said which order it dropped, in its last (fatal) log line.
    const confessed = stack.workers.flatMap((w) =>
      readFileSync(w.logFile, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .filter((line) => line.level === 60)
        .map((line) => /acked the cost-analysis request of order (\S+) before processing it/.exec(line.msg)?.[1]),
    );
    expect(confessed.sort()).toEqual(faulted().sort());
  });

  it("pages on-call with OrderLost, naming the state, the handoff and the tracker's page and API call that list exactly those orders", async () => {
    const isLostPage = (n: Notification) => n.path === '/page' && n.status === 'firing' && n.alerts.some((a) => a.labels.alertname === 'OrderLost' && a.labels.state === 'quote_requested');
    const page = await stack.webhook.waitFor(isLostPage, 60_000, `an OrderLost page${stack.diagnostics()}`);
    const alert = page.alerts.find((a) => a.labels.alertname === 'OrderLost')!;
    expect(alert.labels).toMatchObject({ severity: 'page', state: 'quote_requested', system: 'shop', reason: 'handoff_missed' });
    expect(alert.annotations.handoff).toBe('quote_requested (shop) -> pricing (mes) within 10s via RabbitMQ queue mes.pricing (shop -> MES)');
    expect(alert.annotations.orders_url).toBe(`${stack.tracker.url}/lost?state=quote_requested`);
    expect(alert.annotations.description).toContain(`List them: ${alert.annotations.orders_url} (JSON: GET ${stack.tracker.url}/v1/lost?state=quote_requested)`);
    const listed = await stack.trackerApi<{ orders: LostOrder[]; next_cursor: string | null }>('/v1/lost?state=quote_requested&limit=500');
    expect(listed.orders.map((o) => o.order_id).sort()).toEqual(faulted().sort());
    // Whether another state was paged too depends on the machine's speed, not on the outcome: a healthy
    // order slower than one of the demo model's limits of seconds on two busy cores is lost for a
    // moment, paged, and recovered by its next event. What holds at any speed: no order but the
    // faulted ones is lost now.
    const lostNow = await stack.trackerApi<{ orders: LostOrder[] }>('/v1/lost?limit=500');
    expect(lostNow.orders.map((o) => o.order_id).sort()).toEqual(faulted().sort());
  });

  it("links an order's events to the real spans of the shop, the MES worker and the CRM, one trace across RabbitMQ", async () => {
    const id = healthy().find((o) => orderOf(placed.get(o)!).segment === 'b2b')!;
    const timeline = await stack.trackerApi<Timeline>(`/v1/orders/${id}`);
    const byState = new Map(timeline.events.map((e) => [e.state, e]));
    const expected: [string, string][] = [
      ['placed', 'shop'],
      ['quote_requested', 'shop'],
      ['pricing', 'mes-worker'],
      ['quoted', 'mes-worker'],
      ['assigned', 'crm'],
      ['confirmed', 'crm'],
      ['in_production', 'mes-api'],
      ['shipped', 'mes-api'],
    ];
    // Spans leave in batches (every 5 s): wait until Zipkin has the ones the events point at.
    const traceIds = [...new Set(timeline.events.map((e) => e.trace_id).filter((t): t is string => t !== null))];
    const traces = new Map<string, ZipkinSpan[]>();
    const spanOf = (e: TimelineEvent | undefined) => traces.get(e?.trace_id ?? '')?.find((s) => s.id === e?.span_id);
    await eventually(
      async () => {
        for (const t of traceIds) traces.set(t, await zipkinTrace(stack.zipkinUrl, t));
        return expected.filter(([state]) => !spanOf(byState.get(state))).map(([state]) => state);
      },
      (missing) => missing.length === 0,
      30_000,
      `the spans of order ${id}'s events in Zipkin (events: ${JSON.stringify(timeline.events)})`,
    );
    expect(expected.map(([state]) => [state, spanOf(byState.get(state))!.localEndpoint?.serviceName])).toEqual(expected);
    // The shop's request, the worker's consumer and the CRM's assignment are one trace: the context
    // travelled in the RabbitMQ messages' traceparent header and in the CRM's pending order.
    const orderTrace = byState.get('placed')!.trace_id!;
    expect(['quote_requested', 'pricing', 'quoted', 'assigned'].map((s) => byState.get(s)!.trace_id)).toEqual(Array(4).fill(orderTrace));
    expect(traces.get(orderTrace)!.map((s) => s.name)).toEqual(expect.arrayContaining(ORDER_TRACE_SPANS));
  });

  it('prices each part once: a repeated part is a cache hit', async () => {
    const jobs = await stack.query<{ part_key: string; cache_result: string }>('mes', 'SELECT part_key, cache_result FROM pricing_jobs');
    const parts = new Set(healthy().map((id) => partKey(orderOf(placed.get(id)!).part)));
    expect(jobs).toHaveLength(healthy().length);
    const misses = jobs.filter((j) => j.cache_result === 'miss');
    expect(misses).toHaveLength(parts.size);
    expect(new Set(misses.map((j) => j.part_key))).toEqual(parts);
    expect(jobs.filter((j) => j.cache_result === 'hit')).toHaveLength(healthy().length - parts.size);
    // The workers say so in their logs (every run of each worker), and in their metric, which counts
    // since the worker's last start: the hits its log shows since then.
    for (const worker of stack.workers) await worker.ready();
    const logged = stack.workers.map((w) => {
      const lines = readFileSync(w.logFile, 'utf8').split('\n').filter((l) => l.startsWith('{'));
      // A run ends with its last line, 'stopped' (or the shutdown deadline's); it does not begin with
      // 'mes-worker started': its consumers take redelivered requests before it says so.
      const runs = lines.map((l) => JSON.parse(l) as { msg: string; cache?: string }).reduce<{ msg: string; cache?: string }[][]>(
        (acc, line) => {
          acc[acc.length - 1]!.push(line);
          if (line.msg === 'stopped' || line.msg.startsWith('stopping took longer')) acc.push([]);
          return acc;
        },
        [[]],
      );
      const hitsIn = (run: { msg: string; cache?: string }[]) => run.filter((l) => l.msg === 'order priced' && l.cache === 'hit').length;
      return { all: runs.reduce((n, run) => n + hitsIn(run), 0), lastRun: hitsIn(runs[runs.length - 1] ?? []) };
    });
    expect(logged.reduce((n, w) => n + w.all, 0)).toBe(healthy().length - parts.size);
    const metric = await Promise.all(stack.workers.map(async (w) => Number(/^orderscope_pricing_cache_lookups_total\{result="hit"\} (\d+)$/m.exec(await (await fetch(`${w.url}/metrics`)).text())?.[1])));
    expect(metric).toEqual(logged.map((w) => w.lastRun));
    expect((await promQuery(stack.prometheus, 'up{job="orderscope"}')).map((s) => s.value)).toEqual([1, 1]);
  });

  it("serves metrics from every pipeline service that promtool check metrics passes: RED, agent, messaging, pricing, toggles", async () => {
    for (const service of [stack.shop, stack.crm, stack.mesApi, ...stack.workers]) {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      const problems = `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.trim());
      expect([service.name, problems]).toEqual([service.name, []]);
      expect(text).toContain('orderscope_agent_dropped_total{reason="invalid"} 0');
      expect(text).toMatch(/^orderscope_pipeline_toggle_enabled\{toggle="faultAckThenDieOnPart"\} 1$/m);
    }
    expect(await (await fetch(`${stack.shop.url}/metrics`)).text()).toMatch(/^orderscope_http_server_requests_total\{method="POST",route="\/orders",status="201"\} \d+$/m);
  });
  it('finds each sampled order\'s traces in Zipkin by order.id: the shop, the pricing worker and the CRM, the trace ids the tracker lists, links that answer', async () => {
    // Five healthy orders spread over the run, from its first minute to its last.
    const sample = healthy().filter((_, i, all) => i % Math.floor(all.length / 5) === 0).slice(0, 5);
    const results: string[] = [];
    for (const id of sample) {
      const listed = await stack.trackerApi<OrderTraces>(`/v1/orders/${encodeURIComponent(id)}/traces`);
      const trackerIds = listed.traces.map((t) => t.trace_id).sort();
      expect(listed.search_url).toBe(`${stack.zipkinUrl}/zipkin/?annotationQuery=${encodeURIComponent(`order.id=${id}`)}`);
      // Spans reach Zipkin in batches: search until every trace the tracker lists is found.
      const found = await eventually(
        () => zipkinTracesOfOrder(stack.zipkinUrl, id, stack.startedAt),
        (traces) => trackerIds.every((t) => traces.some((spans) => spans[0]?.traceId === t)),
        30_000,
        `Zipkin's traces of order ${id} (the tracker lists ${trackerIds.join(', ')})`,
      );
      const zipkinIds = found.map((spans) => spans[0]!.traceId).sort();
      expect([id, zipkinIds]).toEqual([id, trackerIds]);
      const names = found.flat().map((span) => span.name);
      expect([id, ORDER_TRACE_SPANS.filter((n) => !names.includes(n))]).toEqual([id, []]);
      // The tracker's trace link opens the trace in Zipkin, and Zipkin's API has the trace.
      const first = listed.traces[0]!;
      expect(first.trace_url).toBe(`${stack.zipkinUrl}/zipkin/traces/${first.trace_id}`);
      expect((await fetch(first.trace_url!)).status).toBe(200);
      const api = await fetch(`${stack.zipkinUrl}/api/v2/trace/${first.trace_id}`);
      expect(api.status).toBe(200);
      results.push(`| ${id} | ${trackerIds.length} | ${zipkinIds.length} | ${found.flat().length} | ${ORDER_TRACE_SPANS.join(', ')} | ${api.status} |`);
    }
    console.log(`e2e pipeline: trace search in Zipkin by order.id\n| order | traces (tracker) | traces (Zipkin) | spans | spans found | trace link (API) |\n|---|---|---|---|---|---|\n${results.join('\n')}`);
  });

  it('writes trace_id, span_id and order_id on every log line about an order, in the shop, the pricing worker and the CRM', async () => {
    const id = healthy()[0]!;
    const timeline = await stack.trackerApi<Timeline>(`/v1/orders/${encodeURIComponent(id)}`);
    const traceIds = new Set(timeline.events.map((e) => e.trace_id));
    const counts: string[] = [];
    for (const [service, files] of [
      ['shop', [stack.shop.logFile]],
      ['mes-worker', stack.workers.map((w) => w.logFile)],
      ['crm', [stack.crm.logFile]],
    ] as const) {
      const lines = files
        .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; order_id?: string; trace_id?: string; span_id?: string })
        .filter((l) => l.order_id === id);
      expect([service, lines.length > 0]).toEqual([service, true]);
      expect([service, lines.filter((l) => !/^[0-9a-f]{32}$/.test(l.trace_id ?? '') || !/^[0-9a-f]{16}$/.test(l.span_id ?? ''))]).toEqual([service, []]);
      expect([service, lines.filter((l) => !traceIds.has(l.trace_id!)).map((l) => l.msg)]).toEqual([service, []]);
      // The line each service wrote when the order entered a state is in the span of that state's event.
      for (const e of timeline.events.filter((ev) => ev.source === service.replace('mes-worker', 'mes'))) {
        const line = lines.find((l) => l.msg === `order ${e.state}`);
        if (line) expect([e.state, line.trace_id, line.span_id]).toEqual([e.state, e.trace_id, e.span_id]);
      }
      counts.push(`${service} ${lines.length}`);
    }
    console.log(`e2e pipeline: log lines of order ${id}, each with its trace_id, span_id and order_id: ${counts.join(', ')}`);
  });

  it('has Prometheus keep the trace ids of the time-in-state histogram as exemplars, each a trace Zipkin has', async () => {
    const end = Date.now() / 1000;
    const res = await fetch(`${stack.prometheus.url}/api/v1/query_exemplars?${new URLSearchParams({ query: 'orderscope_order_state_duration_seconds_bucket', start: String(stack.startedAt / 1000), end: String(end) })}`);
    const body = (await res.json()) as { status: string; data: { seriesLabels: Record<string, string>; exemplars: { labels: { trace_id: string }; value: string }[] }[] };
    expect(body.status).toBe('success');
    const exemplars = body.data.flatMap((d) => d.exemplars.map((e) => ({ state: d.seriesLabels.state, le: d.seriesLabels.le, trace: e.labels.trace_id, value: Number(e.value) })));
    expect(exemplars.length).toBeGreaterThan(0);
    const sample = exemplars[exemplars.length - 1]!;
    const spans = await zipkinTrace(stack.zipkinUrl, sample.trace);
    expect(spans.some((s) => s.tags?.['order.id'] !== undefined && placed.has(s.tags['order.id']))).toBe(true);
    console.log(`e2e pipeline: ${exemplars.length} exemplars on the time-in-state histogram over ${new Set(exemplars.map((e) => e.state)).size} states; e.g. ${sample.state} le=${sample.le}: ${sample.value} s in trace ${sample.trace}, which Zipkin has (${spans.length} spans)`);
  });

  it('scrapes every pipeline service, and runs every query of every generated dashboard panel on real data: it parses, and only panels listed with a reason are empty', async () => {
    const up = await promQuery(stack.prometheus, `up{job="${PIPELINE_JOB}"}`);
    expect(up.map((s) => s.value)).toEqual(Array(3 + stack.workers.length).fill(1));
    const end = Math.floor(Date.now() / 1000);
    const start = Math.floor(stack.startedAt / 1000);
    const window = { start, end, step: Math.max(1, Math.ceil((end - start) / 250)), scrapeSeconds: 1 };
    const runs = [];
    for (const file of dashboardFiles(demoModel)) runs.push(await runDashboard(stack.prometheus.url, file.content, window));
    const rows = panelRows(runs);
    console.log(`e2e pipeline: every panel of the generated dashboards on Prometheus (${end - start} s, step ${window.step} s; variables ${JSON.stringify(runs[0]!.variables)})\n${formatPanelTable(rows, EXPECTED_EMPTY)}`);
    expect(rows.filter((r) => r.errors.length > 0).map((r) => `${r.panel}: ${r.errors.join('; ')}`)).toEqual([]);
    expect(rows.filter((r) => !r.hasData && EXPECTED_EMPTY[r.panel] === undefined).map((r) => `${r.dashboard}: ${r.panel}`)).toEqual([]);
    // Each reason is checked by the run: a listed panel that had data is listed wrongly.
    expect(rows.filter((r) => r.hasData && EXPECTED_EMPTY[r.panel] !== undefined).map((r) => r.panel)).toEqual([]);
  });
  it('draws each dashboard from Prometheus as a page a person can look at without Grafana: headless Chromium shows its lines', async () => {
    await ensureChromium();
    const out = mkdtempSync(path.join(tmpdir(), 'orderscope-e2e-preview-'));
    try {
      const elapsed = Math.ceil((Date.now() - stack.startedAt) / 1000);
      const run = spawnSync(process.execPath, [CLI, 'dashboards', 'preview', '--prometheus', stack.prometheus.url, '--out', out, '--model', DEMO_MODEL_PATH, '--range', `${elapsed}s`, '--scrape-interval', '1s'], { encoding: 'utf8' });
      expect([run.status, run.stderr]).toEqual([0, '']);
      expect(readdirSync(out).sort()).toEqual(['index.html', 'lost-orders.html', 'overview.html', 'pipeline-health.html', 'time-in-state.html']);
      const overview = readFileSync(path.join(out, 'overview.html'), 'utf8');
      expect(overview).toContain('<h1>orderscope / Overview</h1>');
      expect(overview).not.toContain('class="error"');
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, 'dashboard-preview-overview.png');
      const shot = await screenshot(pathToFileURL(path.join(out, 'overview.html')).href, file, { width: 1200, height: 3600 });
      expect(shot.consoleMessages).toEqual([]);
      const image = decodePng(readFileSync(file));
      const all = { x: 0, y: 0, width: image.width, height: image.height };
      // The first two lines of each chart: in the palette's first two colours.
      const first = inkIn(image, all, SERIES_COLORS[0]).matching;
      const second = inkIn(image, all, SERIES_COLORS[1]).matching;
      console.log(`e2e pipeline: dashboard preview drawn (${readdirSync(out).length} pages); the overview in Chromium: ${first} px of its first line colour, ${second} px of its second (${file})`);
      expect(first).toBeGreaterThan(1000);
      expect(second).toBeGreaterThan(200);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

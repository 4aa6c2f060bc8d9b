import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { KafkaSource, LagMonitor } from '../../bus';
import { collectProcessMetrics, createLogger, loadConfig, settingName, type Logger, listen } from '../../common';
import { loadModelFile, DEFAULT_MODEL_PATH } from '../../events';
import { createTracker, databaseAtStartError, openPostgres } from '../../tracker';
import { closeOnSignals, parsePort } from '../lifecycle';

/**
 * The longest the lost-order sweeper waits at start for the backlog that was in Kafka then. Past it the
 * tracker is lagging (TrackingLagging is open by then) and sweeps anyway: orders it cannot see moving
 * are better flagged late than never.
 */
const BACKLOG_WAIT_MS = 5 * 60_000;

/**
 * Resolves once the events that were on the bus when this replica started are in the store, or
 * BACKLOG_WAIT_MS after the lag monitor started reading the broker (`monitorStarted`: the database,
 * the lease and joining the group come first and are not counted). Until then an order whose next
 * event waits in that backlog only looks overdue: a sweep right after a restart or an outage would
 * declare it lost and page someone for nothing.
 */
async function backlogAppliedOrLater(lagMonitor: LagMonitor, monitorStarted: Promise<void>, logger: Logger): Promise<void> {
  const applied = lagMonitor.backlogApplied();
  await monitorStarted;
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'waited'>((resolve) => {
    timer = setTimeout(() => resolve('waited'), BACKLOG_WAIT_MS);
    timer.unref();
  });
  const outcome = await Promise.race([applied, waited]);
  clearTimeout(timer);
  if (outcome === 'waited') logger.warn({ waitedMs: BACKLOG_WAIT_MS }, 'the backlog in Kafka at start is not applied yet; the lost-order sweeper starts anyway');
  else logger.info({ messages: outcome }, 'the backlog in Kafka at start is applied; the lost-order sweeper starts');
}

/** `orderscope tracker`: the production tracker, Kafka consumer group member with PostgreSQL state. */
export function registerTracker(program: Command): void {
  program
    .command('tracker')
    .description('Run the tracker: consume order events from Kafka, keep every order\'s state and time in state in PostgreSQL, flag stuck and lost orders, serve metrics and the order API.')
    .option('-c, --config <file>', 'YAML config file (default: $ORDERSCOPE_CONFIG; ORDERSCOPE_* variables override it)')
    .option('-m, --model <file>', `the process model (default: model.file of the config, else ${DEFAULT_MODEL_PATH})`)
    .option('--host <host>', 'address to listen on (overrides tracker.host, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (overrides tracker.port, default 7401)', parsePort)
    .option('--instance <name>', 'this replica\'s stable, distinct name (overrides tracker.instance, default the host name): its histograms are kept under it across restarts, and one live process holds it')
    .addHelpText(
      'after',
      `
Endpoints:
  GET /v1/orders/{order_id}   the order's timeline: stays with durations and SLA verdicts, events with trace links, violations,
                              status history (stuck, lost, recovered)
  GET /v1/orders              orders longest in their state first; filters state, status (open, stuck, lost, recovered,
                              done), segment; limit (<= 500), cursor
  GET /v1/lost                lost orders: state, owning system, reason, missed handoff, since when, trace link;
                              filters state, segment; limit, cursor
  GET /metrics                Prometheus metrics (orderscope_order_*, orderscope_orders_*, orderscope_tracker_*, orderscope_bus_*)
  GET /v1/reports/latency     the order-latency report of a period: from, to (dates or RFC 3339; default the last
                              7 days), group_by (state, segment, operator, day), format (json, csv, html)
  GET /, /orders/{order_id}   pages for people: orders in flight, stuck and lost orders, an order's timeline
  GET /healthz, /readyz       alive; ready = database reachable, schema up to date, Kafka consumer in its group
  /v1 needs Authorization: Bearer <token> with the read scope; the pages take the same token once
  (the sign-in form, or a /?token=... link that asks first) and keep it in an HttpOnly cookie; only
  the tracker's own pages may sign in (POST /login checks Origin, else Referer, against its Host).

Configuration (config file keys, or ORDERSCOPE_<SECTION>_<KEY> variables):
  postgres.url, poolSize      the database must exist (createdb orderscope); the schema is migrated at start
  postgres.readUrl            a read replica for the latency reports (default: postgres.url)
  kafka.brokers, topic, groupId
  kafka.lagIntervalMs, lagWindowMs
                              the lag monitor reads the group's offsets from the broker every 10000 ms; a partition with
                              lag whose committed offset stays put for 120000 ms is stalled (TrackingStalled pages)
  tracker.host, port, traceBackend (none|zipkin|jaeger|tempo), traceBackendUrl
                              where the trace links and the order trace search lead; none: no links
  http.headersTimeoutMs, requestTimeoutMs
                              a client slower to send its request's headers (default 10000 ms) or all of it
                              (default 30000 ms) is answered 408 and disconnected
  tracker.sweepIntervalMs     how often the lost-order sweeper flags orders past their deadlines (default 1000)
  tracker.instance            this replica's stable, distinct name (default: the host name; in containers and for
                              replicas set one, e.g. the StatefulSet pod name): its duration histograms are the totals
                              kept under it in the database, exported by the one live process that holds its lease
  tracker.instanceLeaseTtlMs, instanceLeaseRenewMs, instanceLeaseWaitMs
                              the lease lasts 15000 ms unless renewed (every 5000 ms); start waits up to 60000 ms
                              while another live process holds the name, then fails
  tracker.instanceRetentionMs an instance nobody has held for this long (default 86400000 ms, a day) is removed with
                              its histogram totals, by any live tracker (checked hourly)
  tracker.reconcileIntervalMs reconcile the source tables (reconcile.sources, see orderscope reconcile --help) with
                              the tracker every so often, over the last reconcile.windowMs (default 0: off)
  tokens: [{name, sha256, scopes: [read]}]   (ORDERSCOPE_TOKEN adds one all-powerful token, for development)

SIGTERM or SIGINT stops consuming, finishes the batch being applied (its offsets are committed), closes
the database and exits 0.`,
    )
    .action(async (opts: { config?: string; model?: string; host?: string; port?: number; instance?: string }) => {
      const config = loadConfig({
        file: opts.config,
        overrides: {
          tracker: {
            ...(opts.host !== undefined && { host: opts.host }),
            ...(opts.port !== undefined && { port: opts.port }),
            ...(opts.instance !== undefined && { instance: opts.instance }),
          },
        },
      });
      const model = loadModelFile(opts.model ?? (config.model.file || DEFAULT_MODEL_PATH));
      const logger = createLogger('tracker', config.log.level);
      const registry = new Registry();
      collectProcessMetrics(registry);
      const store = openPostgres({
        url: config.postgres.url,
        poolSize: config.postgres.poolSize,
        onIdleError: (err) => logger.warn({ err }, 'an idle PostgreSQL connection failed; it will be replaced'),
      });
      // Reports are long reads: on a replica when there is one, so that they never slow down applying.
      const reportStore = config.postgres.readUrl
        ? openPostgres({
            url: config.postgres.readUrl,
            poolSize: config.postgres.poolSize,
            onIdleError: (err) => logger.warn({ err }, 'an idle PostgreSQL read-replica connection failed; it will be replaced'),
          })
        : undefined;
      const source = new KafkaSource({ kafka: config.kafka, logger, registry });
      // Beside the source and independent of it: judges the group by the broker's offsets, so that a
      // partition whose batches keep failing is seen (TrackingStalled, and the home page).
      const lagMonitor = new LagMonitor({ kafka: config.kafka, logger, registry });
      let lagMonitorStarted!: () => void;
      const lagMonitorReading = new Promise<void>((resolve) => (lagMonitorStarted = resolve));
      const tracker = await createTracker({
        config,
        model,
        source,
        store,
        ...(reportStore && { reportStore }),
        logger,
        registry,
        instance: config.tracker.instance,
        partitions: () => lagMonitor.latest(),
        sweepAfter: backlogAppliedOrLater(lagMonitor, lagMonitorReading, logger),
      });
      // The tracker first: a missing database or a failed migration is reported before Kafka is tried.
      await tracker.start().catch((err: unknown) => {
        throw databaseAtStartError(err, settingName(['postgres', 'url']));
      });
      await source.start();
      await lagMonitor.start();
      lagMonitorStarted();
      const server = await listen(tracker.app, config.tracker.host, config.tracker.port, { timeouts: config.http, configSection: 'tracker', flags: { host: '--host', port: '--port' } });
      logger.info({ url: server.url }, 'tracker listening');
      closeOnSignals(logger, async () => {
        // The source first: it stops fetching and waits for the batch being applied, whose offsets it commits.
        await source.close();
        await lagMonitor.close();
        await tracker.close();
        await server.close();
        await reportStore?.close();
        await store.close();
      });
    });
}

import { Option, type Command } from 'commander';
import express from 'express';
import { Registry } from 'prom-client';
import { collectProcessMetrics, ConfigError, createLogger, parseDuration, type Logger, listen, metricsHandler } from '../../common';
import { AmqpTap, DEFAULT_QUEUE_MAX_LENGTH } from '../../agents/amqp-tap';
import { PgOutboxSidecar } from '../../agents/pg-outbox';
import { closeOnSignals, parsePort } from '../lifecycle';

const DEFAULT_COLLECTOR_URL = 'http://127.0.0.1:7400';
const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** Options both sidecars take. */
interface SidecarOptions {
  collector?: string;
  token?: string;
  metricsPort?: number;
  metricsHost: string;
}

interface PgOutboxFlags extends SidecarOptions {
  databaseUrl?: string;
  table: string;
  idColumn: string;
  stateColumn: string;
  source: string;
  map?: string[];
  ignore?: string[];
  attribute?: string[];
  outboxTable: string;
  batchSize: number;
  pollInterval: number;
  requestTimeout: number;
  claimLease: number;
  uninstall?: boolean;
}

interface AmqpTapFlags extends SidecarOptions {
  amqpUrl?: string;
  bind: string[];
  orderId: string;
  state?: string;
  source: string;
  queue?: string;
  queueMaxLength: number;
  prefetch: number;
  attribute?: string[];
  spoolDir?: string;
  spoolMaxMb: number;
}

/**
 * `orderscope agent pg-outbox|amqp-tap`: the sidecars that track orders of existing systems without
 * a code change. (Node services use the in-process SDK, agents/node, instead.)
 */
export function registerAgent(program: Command): void {
  const agent = program
    .command('agent')
    .description('Run a sidecar agent that turns order state changes of an existing system into order events: pg-outbox (a PostgreSQL table) or amqp-tap (RabbitMQ messages).');
  registerPgOutbox(agent);
  registerAmqpTap(agent);
}

/** The end of every sidecar's help. */
const RUNNING_HELP = `
Logs are JSON lines on stdout (level: $ORDERSCOPE_LOG_LEVEL). SIGTERM or SIGINT finishes what is in hand
and exits 0; an error that retrying cannot fix exits 1.`;

const PG_OUTBOX_HELP = `
What it installs (idempotently, at every start; PostgreSQL 14 or newer):
  <outbox>                 id, event_id (gen_random_uuid()), source_table, order_id, state_value,
                           occurred_at (clock_timestamp() of the change), attributes (jsonb)
  <outbox>_dead_letter     rows that cannot become events, with the reason
  orderscope_capture       an AFTER INSERT OR UPDATE OF <state column> trigger on the table, writing one
                           outbox row per actual state change, in the same transaction, and NOTIFY

Delivery: no transaction stays open while the collector is asked. Rows are claimed (FOR UPDATE SKIP
LOCKED, marked with the round's token and a lease of --claim-lease, committed), posted, and deleted in a
second short transaction only after the collector answered 202; a failed post gives the claim back.
Several replicas may run: claimed rows are skipped by the others. Events keep the event_id made in SQL,
so a row sent twice (the sidecar died between the 202 and its delete: its rows are sent again once its
claim expires) counts once.

Values: mapped values become their state; --ignore values are deleted and counted; any other value is
dead-lettered (counted, logged), never dropped: after fixing --map, redrive with
  WITH r AS (DELETE FROM orderscope_outbox_dead_letter WHERE reason LIKE 'unmapped%' RETURNING *)
  INSERT INTO orderscope_outbox (event_id, source_table, order_id, state_value, occurred_at, attributes)
  SELECT event_id, source_table, order_id, state_value, occurred_at, attributes FROM r;
Events the collector rejects as invalid are dead-lettered the same way.

Example:
  orderscope agent pg-outbox --database-url postgres://shop@db/shop --table orders --state-column status \\
    --source shop --map NEW=placed,QUOTE=quote_requested --attribute segment --collector http://collector:7400
${RUNNING_HELP}`;

/** `orderscope agent pg-outbox`: its options, its help, and what it runs. */
function registerPgOutbox(agent: Command): void {
  withSidecarOptions(
    agent
      .command('pg-outbox')
      .description(
        'Capture the state changes of a PostgreSQL table with a trigger into an outbox table (in the application\'s own transactions), and deliver them to the collector.',
      )
      .option('--database-url <url>', 'the application database (default: $DATABASE_URL)')
      .requiredOption('--table <name>', 'the table of orders: table or schema.table')
      .option('--id-column <column>', 'the column that holds the order id', 'id')
      .requiredOption('--state-column <column>', 'the column whose changes are state changes (e.g. status)')
      .requiredOption('--source <system>', 'the source of the events: the system that owns the table (e.g. shop)')
      .option('--map <value=state,...>', 'state column values to states of the process model (repeatable); without it, values are state names', collect)
      .option('--ignore <value,...>', 'state column values that are not tracked (repeatable)', collect)
      .option('--attribute <name[=column],...>', 'extra columns as event attributes (repeatable), e.g. segment=customer_segment', collect)
      .option('--outbox-table <name>', 'the outbox table; dead letters go to <name>_dead_letter', 'orderscope_outbox')
      .option('--batch-size <n>', 'outbox rows per request to the collector', parsePositive('--batch-size'), 500)
      .addOption(new Option('--poll-interval <duration>', 'how often to look for rows when no notification arrives').argParser(parseDurationMs('--poll-interval')).default(1000, '1s'))
      .addOption(new Option('--request-timeout <duration>', 'how long one request to the collector may take').argParser(parseDurationMs('--request-timeout')).default(10_000, '10s'))
      .addOption(
        new Option('--claim-lease <duration>', 'how long a round holds the rows it claimed while it posts them; the rows of a sidecar that died are sent again after it (longer than --request-timeout)')
          .argParser(parseDurationMs('--claim-lease'))
          .default(60_000, '60s'),
      )
      .option('--uninstall', 'remove the trigger and its function from the table, then exit (the outbox tables stay)'),
  )
    .addHelpText('after', PG_OUTBOX_HELP)
    .action(runPgOutbox);
}

/** Installs the capture trigger and delivers the outbox, or with --uninstall removes the trigger. */
async function runPgOutbox(flags: PgOutboxFlags): Promise<void> {
  const logger = createLogger('pg-outbox');
  const registry = new Registry();
  const sidecar = new PgOutboxSidecar({
    databaseUrl: required(flags.databaseUrl ?? process.env.DATABASE_URL, '--database-url (or $DATABASE_URL)'),
    table: flags.table,
    idColumn: flags.idColumn,
    stateColumn: flags.stateColumn,
    source: flags.source,
    map: flags.map,
    ignore: flags.ignore,
    attributes: flags.attribute,
    outboxTable: flags.outboxTable,
    batchSize: flags.batchSize,
    pollIntervalMs: flags.pollInterval,
    requestTimeoutMs: flags.requestTimeout,
    claimLeaseMs: flags.claimLease,
    collectorUrl: collectorOf(flags),
    token: tokenOf(flags),
    logger,
    registry,
  });
  if (flags.uninstall) {
    await sidecar.uninstall();
    logger.info({ table: flags.table }, 'removed the capture trigger; the outbox tables are kept');
    return;
  }
  await runSidecar(flags, logger, registry, sidecar);
}

const AMQP_TAP_HELP = `
Each message's event: order_id from --order-id, state from its binding, source from --source, attributes
exchange and routing_key (plus --attribute), trace_id/span_id from a traceparent header, occurred_at from
the message timestamp (else the time it was seen). The event_id is derived from the message (its
message id, or its body), so a redelivered message, or one seen by two tap replicas, counts once.

A message is acknowledged only once its event is accepted by the collector or written to the spool.
Messages without an order id are acknowledged, counted (orderscope_amqp_tap_dropped_total) and logged.

The tap queue is durable and outlives the tap: messages published while it is stopped or killed are
delivered when it is back. Its default name, orderscope.tap.<source>.<hash>, comes from --source and the
exchanges and keys of --bind: replicas of one tap share it, and taps that bind differently never do (a
tap whose --bind changed gets a new queue; delete the old one, or RabbitMQ does after a week with no
consumer). Two deployments tapping the same exchanges for one --source need a --queue each. Beyond --queue-max-length messages
RabbitMQ drops the oldest, dead-lettered to <queue>.overflow where the tap counts them
(orderscope_amqp_tap_overflowed_total). A queue that exists with other arguments (an earlier version's,
another --queue-max-length) is refused by RabbitMQ: delete it, or give --queue another name.

Example:
  orderscope agent amqp-tap --bind orders:quote.requested=quote_requested --order-id json:$.order.id \\
    --source shop --collector http://collector:7400
${RUNNING_HELP}`;

/** `orderscope agent amqp-tap`: its options, its help, and what it runs. */
function registerAmqpTap(agent: Command): void {
  withSidecarOptions(
    agent
      .command('amqp-tap')
      .description('Bind a queue of its own to RabbitMQ exchanges and emit a "message seen" order event for every message published there. The application\'s queues are not touched.')
      .option('--amqp-url <url>', `the RabbitMQ URL (default: $ORDERSCOPE_AMQP_URL, else ${DEFAULT_AMQP_URL})`)
      .requiredOption('--bind <exchange:routingKey[=state]>', 'an exchange and binding key to tap (repeatable; topic wildcards * and # work), and the state its messages mean', collect)
      .requiredOption('--order-id <where>', 'where the order id is: header:<name> or json:<path>, e.g. header:x-order-id or json:$.order.id')
      .option('--state <state>', 'the state of bindings that do not name one')
      .requiredOption('--source <system>', 'the source of the events: the system whose messages these are (e.g. shop)')
      .option('--queue <name>', 'the name of the tap queue, durable and kept while the tap is down (default: orderscope.tap.<source>.<hash of the --bind exchanges and keys>, shared by replicas of one tap)')
      .option('--queue-max-length <n>', 'messages the tap queue holds at most; beyond it the oldest are dropped and counted (orderscope_amqp_tap_overflowed_total)', parsePositive('--queue-max-length'), DEFAULT_QUEUE_MAX_LENGTH)
      .option('--prefetch <n>', 'unacknowledged messages at most', parsePositive('--prefetch'), 500)
      .option('--attribute <name=where>', 'an extra attribute from header:<name> or json:<path> (repeatable), e.g. segment=json:$.customer.segment', collect)
      .option('--spool-dir <dir>', 'where events wait while the collector is down (default: .orderscope/spool/amqp-tap-<source>)')
      .option('--spool-max-mb <n>', 'size cap of the spool, in MiB', parsePositive('--spool-max-mb'), 256),
  )
    .addHelpText('after', AMQP_TAP_HELP)
    .action(runAmqpTap);
}

/** Taps the exchanges and delivers a "message seen" event per message. */
async function runAmqpTap(flags: AmqpTapFlags): Promise<void> {
  const logger = createLogger('amqp-tap');
  const registry = new Registry();
  const tap = new AmqpTap({
    amqpUrl: flags.amqpUrl ?? process.env.ORDERSCOPE_AMQP_URL ?? DEFAULT_AMQP_URL,
    bindings: flags.bind,
    orderId: flags.orderId,
    state: flags.state,
    source: flags.source,
    queue: flags.queue,
    queueMaxLength: flags.queueMaxLength,
    prefetch: flags.prefetch,
    attributes: flags.attribute,
    collectorUrl: collectorOf(flags),
    token: tokenOf(flags),
    spoolDir: flags.spoolDir,
    spoolMaxBytes: flags.spoolMaxMb * 1_048_576,
    logger,
    registry,
  });
  await runSidecar(flags, logger, registry, tap);
}

function withSidecarOptions(command: Command): Command {
  return command
    .option('--collector <url>', `the collector base URL (default: $ORDERSCOPE_COLLECTOR_URL, else ${DEFAULT_COLLECTOR_URL})`)
    .option('--token <token>', 'an ingest token allowed to emit for --source (default: $ORDERSCOPE_TOKEN)')
    .option('--metrics-port <port>', 'serve /metrics and /healthz on this port (default: not served)', parsePort)
    .option('--metrics-host <host>', 'the address of the metrics server', '127.0.0.1');
}

/** Starts a sidecar (and its metrics server), stops both on SIGTERM/SIGINT, and exits 1 if the sidecar fails. */
async function runSidecar(
  flags: SidecarOptions,
  logger: Logger,
  registry: Registry,
  sidecar: { start(): Promise<void>; close(): Promise<void>; readonly done?: Promise<void> },
): Promise<void> {
  collectProcessMetrics(registry);
  const server = flags.metricsPort === undefined ? undefined : await serveMetrics(registry, flags.metricsHost, flags.metricsPort);
  if (server) logger.info({ url: `${server.url}/metrics` }, 'serving metrics');
  try {
    await sidecar.start();
  } catch (err) {
    await server?.close();
    await sidecar.close().catch(() => undefined);
    throw err;
  }
  closeOnSignals(logger, async () => {
    await sidecar.close();
    await server?.close();
  });
  sidecar.done?.catch((err: unknown) => {
    logger.fatal({ err }, 'the sidecar stopped');
    process.exit(1);
  });
}

async function serveMetrics(registry: Registry, host: string, port: number) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(registry));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return listen(app, host, port);
}

function collectorOf(flags: SidecarOptions): string {
  return flags.collector ?? process.env.ORDERSCOPE_COLLECTOR_URL ?? DEFAULT_COLLECTOR_URL;
}

function tokenOf(flags: SidecarOptions): string {
  return required(flags.token ?? process.env.ORDERSCOPE_TOKEN, '--token (or $ORDERSCOPE_TOKEN)');
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new ConfigError(`${what} is required`);
  return value;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parsePositive(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${flag}: "${value}" is not a positive whole number`);
    return n;
  };
}

function parseDurationMs(flag: string) {
  return (value: string): number => {
    const parsed = parseDuration(value);
    if ('error' in parsed) throw new ConfigError(`${flag}: ${parsed.error}`);
    return Math.max(1, Math.round(parsed.seconds * 1000));
  };
}

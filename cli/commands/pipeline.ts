import { Option, type Command } from 'commander';
import { ConfigError, createLogger } from '../../common';
import { launchService, parseServiceConfig, runDriver, SERVICE_OPTIONS, SERVICES, type ServiceName } from '../../pipeline';
import { closeOnSignals } from '../lifecycle';
import { registerDlq } from './pipeline-dlq';

/** What each service is, and what it serves, consumes, publishes and tracks: its --help. */
const SERVICE_HELP: Readonly<Record<ServiceName, { summary: string; details: string }>> = {
  shop: {
    summary: 'Run the shop: takes orders over HTTP and sends each cost-analysis request straight to the MES over RabbitMQ.',
    details: `
HTTP:      POST /orders {customer_id, segment: b2b|b2c, part: {part_number, material, dimensions_mm: {x, y, z},
           tolerance_mm?, finish?}, quantity}   (Idempotency-Key header honoured)
           GET /orders/:id
           POST /orders/:id/requote   (redrive: sends the cost-analysis request again)
Publishes: mes.pricing (exchange "orders", key pricing.requested), through the shop's outbox
Tracks:    placed, quote_requested`,
  },
  crm: {
    summary: 'Run the CRM: takes quotes from the MES, assigns them fairly to operators, and lets operators confirm them.',
    details: `
HTTP:      GET /operators, GET /orders?state=assigned&operator_id=, GET /orders/:id,
           POST /orders/:id/confirm {operator_id}
           POST /orders/:id/reassign  (redrive: runs assignment for an order stuck before it)
Consumes:  crm.quotes (retry queue crm.quotes.retry, dead letters crm.quotes.dead)
Publishes: mes.production (key production.ordered), through the CRM's outbox
Tracks:    assigned (B2B first with the b2bFirst toggle; shares by operator weight), confirmed`,
  },
  'mes-api': {
    summary: 'Run the MES API: the shop floor\'s production endpoints and production status (no consumer inside).',
    details: `
HTTP:      GET /production?state=queued&limit=, GET /production/:id   (from --read-database-url)
           POST /production/:id/start | /finish | /ship
           POST /production/:id/requeue   (redrive: moves its production order back from
           mes.production.dead when the intake gave up on it; needs --amqp-url)
Tracks:    in_production, produced, shipped`,
  },
  'mes-worker': {
    summary: 'Run an MES worker: parallel cost analyses with the Redis pricing cache, and the intake of production orders.',
    details: `
Consumes:  mes.pricing (prefetch 2 x --concurrency; retries through mes.pricing.retry, then mes.pricing.dead)
           mes.production (stores production orders for the MES API)
Publishes: crm.quotes (key quote.ready)
Tracks:    pricing, quoted
HTTP:      GET /metrics, /healthz, /readyz only
Run several replicas (separate processes, each with its own --instance) and/or --concurrency threads.`,
  },
};

const COMMON_HELP = `
Every service starts the orderscope agent (agents/node) first: OpenTelemetry traces (OTLP/HTTP to
$OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, default http://127.0.0.1:4318/v1/traces; with
OTEL_TRACES_EXPORTER=zipkin to Zipkin at $OTEL_EXPORTER_ZIPKIN_ENDPOINT, default
http://127.0.0.1:9411/api/v2/spans; OTEL_NODE_ENABLED_INSTRUMENTATIONS and
OTEL_NODE_DISABLED_INSTRUMENTATIONS choose which of http, pg, amqplib and kafkajs are traced, all by
default), pino JSON logs with trace_id, span_id and order_id, RED metrics on GET /metrics, and an order event at each state change. The
service runs in a child process of this command, in which the agent starts before express, pg and
amqplib are loaded; this process passes SIGTERM/SIGINT on and exits with the service's exit code
(0 after a graceful stop, 1 after a fatal error: let a supervisor restart it).

Toggles (--toggle name=value, repeatable, or ORDERSCOPE_PIPELINE_TOGGLES=name=value,...):
  pricingCache=true|false        price a part once, then serve it from Redis (mes-worker)
  b2bFirst=true|false            assign B2B orders before B2C ones when capacity is short (crm)
  faultAckThenDieOnPart=PREFIX   drills only: a worker acks a request for a part number starting with
                                 PREFIX before processing it, then dies (the old MES bug: the order is
                                 lost after quote_requested, and orderscope pages OrderLost)
  faultUntrackedPart=PREFIX      drills only: the shop drops the order events of orders for a part number
                                 starting with PREFIX before its agent sends them (only orderscope
                                 reconcile finds such an order: it reports it missing)
  legacy=true|false              benchmarks only: the architecture this pipeline replaced (mes-worker prices
                                 one order at a time on its event loop, without the cache, and serves the
                                 MES API's routes itself; see npm run bench -- pipeline)`;

/** `orderscope pipeline <service>`: the re-architected reference services, instrumented with orderscope. */
export function registerPipeline(program: Command): void {
  const pipeline = program
    .command('pipeline')
    .description('Run a service of the re-architected order pipeline (shop, CRM, MES API, MES workers), instrumented with the orderscope agent.');
  for (const service of SERVICES) {
    const command = pipeline.command(service).description(SERVICE_HELP[service].summary);
    for (const spec of SERVICE_OPTIONS[service]) {
      const option = new Option(spec.flags, spec.description).env(spec.env);
      if (spec.repeatable) option.argParser((value: string, previous: string[] = []) => [...previous, value]);
      if (spec.default !== undefined) option.default(spec.default);
      command.addOption(option);
    }
    command.addHelpText('after', `${SERVICE_HELP[service].details}\n${COMMON_HELP}`).action(() => {
      const values = command.opts<Record<string, unknown>>();
      const raw = Object.fromEntries(command.options.map((o, i) => [SERVICE_OPTIONS[service][i]!.key, values[o.attributeName()]]));
      launchService({ service, config: parseServiceConfig(service, raw) });
    });
  }
  registerDriver(pipeline);
  registerDlq(pipeline);
}

interface DriverFlags {
  shopUrl: string;
  crmUrl: string;
  mesApiUrl: string;
  rate: number;
  orders?: number;
  parts: number;
}

/** `orderscope pipeline driver`: customers, operators and the shop floor, for a demo of the pipeline. */
function registerDriver(pipeline: Command): void {
  const positive = (flag: string) => (value: string) => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n)) throw new ConfigError(`${flag}: "${value}" is not a number > 0`);
    return n;
  };
  pipeline
    .command('driver')
    .description('Drive the pipeline for a demo: customers place orders at a steady rate, operators confirm them, the shop floor produces and ships them.')
    .addOption(new Option('--shop-url <url>', 'the shop').env('ORDERSCOPE_DRIVER_SHOP_URL').default('http://127.0.0.1:7410'))
    .addOption(new Option('--crm-url <url>', 'the CRM').env('ORDERSCOPE_DRIVER_CRM_URL').default('http://127.0.0.1:7411'))
    .addOption(new Option('--mes-api-url <url>', 'the MES API').env('ORDERSCOPE_DRIVER_MES_API_URL').default('http://127.0.0.1:7412'))
    .addOption(new Option('--rate <orders/s>', 'orders placed per second').env('ORDERSCOPE_DRIVER_RATE').default(1).argParser(positive('--rate')))
    .addOption(new Option('--orders <n>', 'orders in all, then only operators and the shop floor go on (default: no end)').env('ORDERSCOPE_DRIVER_ORDERS').argParser(positive('--orders')))
    .addOption(new Option('--parts <n>', 'distinct parts in the catalogue customers order from').env('ORDERSCOPE_DRIVER_PARTS').default(50).argParser(positive('--parts')))
    .addHelpText('after', '\nIt only calls the services\' HTTP APIs and is not instrumented: it stands for people. SIGTERM or SIGINT stops it.')
    .action((flags: DriverFlags) => {
      const logger = createLogger('pipeline-driver');
      const driver = runDriver({
        urls: { shop: flags.shopUrl, crm: flags.crmUrl, mesApi: flags.mesApiUrl },
        rate: flags.rate,
        orders: flags.orders === undefined ? undefined : Math.round(flags.orders),
        parts: Math.round(flags.parts),
        logger,
      });
      logger.info({ rate: flags.rate, orders: flags.orders ?? 'no end', shop: flags.shopUrl }, 'driving the pipeline');
      closeOnSignals(logger, driver.stop);
    });
}

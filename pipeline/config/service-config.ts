import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError, parseDuration } from '../../common';
import { parseToggles, TOGGLE_NAMES } from './toggles';
import { parseOperators } from './operators';

/** The services of the re-architected pipeline, each run by `orderscope pipeline <service>`. */
export const SERVICES = ['shop', 'crm', 'mes-api', 'mes-worker'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The system each service emits order events for: the `source` of its events, as the process model names it. */
export const SERVICE_SOURCE: Readonly<Record<ServiceName, string>> = { shop: 'shop', crm: 'crm', 'mes-api': 'mes', 'mes-worker': 'mes' };

/**
 * One command-line option of a service and the environment variable behind it. The CLI turns these
 * into its flags, help and error messages; the deployment docs name the same variables. Values from
 * flags and environment arrive as text and are checked by the service's schema.
 */
export interface ServiceOption {
  /** The key in the service's config. */
  readonly key: string;
  /** e.g. `--database-url <url>` */
  readonly flags: string;
  readonly env: string;
  readonly description: string;
  readonly default?: string;
  /** Repeatable flag (collects a list); the environment variable holds a comma-separated one. */
  readonly repeatable?: boolean;
}

const pg = (db: string) => `postgres://postgres@127.0.0.1:5432/${db}`;
const url = (protocols: RegExp, example: string) => z.url({ protocol: protocols, error: `must be a URL like ${example}` });
const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const durationMs = z.string().transform((text, ctx) => {
  const parsed = parseDuration(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return Math.round(parsed.seconds * 1000);
});
const list = z.union([z.array(z.string()), z.string().transform((s) => [s])]).default([]);

const TOKEN_REQUIRED = 'is required: an ingest token of the collector (set ORDERSCOPE_TOKEN)';

/** What every service takes: identity, the agent's collector and token, logging, toggles, where to listen. */
const baseSchema = z.strictObject({
  instance: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1-64 letters, digits, ".", "_" or "-"' }),
  collectorUrl: url(/^https?$/, 'http://127.0.0.1:7400'),
  token: z.string({ error: TOKEN_REQUIRED }).min(1, { error: TOKEN_REQUIRED }),
  spoolDir: z.string().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  toggles: list.transform((assignments, ctx) => {
    try {
      return parseToggles(assignments);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  host: z.string().min(1),
  port,
});

const amqp = { amqpUrl: url(/^amqps?$/, 'amqp://guest:guest@127.0.0.1:5672') };
const postgres = { databaseUrl: url(/^postgres(ql)?$/, pg('orderscope_shop')) };

export const serviceConfigSchemas = {
  shop: baseSchema.extend({
    ...amqp,
    ...postgres,
    republishAfterMs: durationMs,
  }),
  crm: baseSchema.extend({
    ...amqp,
    ...postgres,
    operators: list.transform((specs, ctx) => {
      try {
        return parseOperators(specs);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
    fairnessWindowMs: durationMs,
    prefetch: positiveInt,
  }),
  'mes-api': baseSchema.extend({
    /** Only for redrives: a production order that never arrived is looked for in mes.production.dead. */
    ...amqp,
    ...postgres,
    /** Reads (production status, queues) go here: a replica in production, the primary by default. */
    readDatabaseUrl: url(/^postgres(ql)?$/, pg('orderscope_mes')).optional(),
  }),
  'mes-worker': baseSchema.extend({
    ...amqp,
    ...postgres,
    redisUrl: url(/^rediss?$/, 'redis://127.0.0.1:6379'),
    concurrency: positiveInt.max(64),
    pricingIterations: z.coerce.number().int().min(0),
    maxRetries: z.coerce.number().int().min(0).max(100),
    retryDelayMs: durationMs,
    cacheTtlMs: durationMs,
  }),
} as const;

export type ServiceConfigs = { [S in ServiceName]: z.output<(typeof serviceConfigSchemas)[S]> };
export type ServiceConfig<S extends ServiceName = ServiceName> = ServiceConfigs[S];

const common = (service: ServiceName, defaultPort: number): ServiceOption[] => [
  { key: 'host', flags: '--host <host>', env: `ORDERSCOPE_${envPart(service)}_HOST`, description: 'address to listen on (0.0.0.0 in a container)', default: '127.0.0.1' },
  {
    key: 'port',
    flags: '--port <port>',
    env: `ORDERSCOPE_${envPart(service)}_PORT`,
    description: service === 'mes-worker' ? 'port of /metrics, /healthz and /readyz (0: any free one)' : 'port to listen on (0: any free one)',
    default: String(defaultPort),
  },
  { key: 'instance', flags: '--instance <name>', env: 'ORDERSCOPE_PIPELINE_INSTANCE', description: 'this replica\'s stable name (logs, the agent\'s spool directory); default: the host name' },
  { key: 'collectorUrl', flags: '--collector-url <url>', env: 'ORDERSCOPE_COLLECTOR_URL', description: 'the orderscope collector the agent sends order events to', default: 'http://127.0.0.1:7400' },
  { key: 'token', flags: '--token <token>', env: 'ORDERSCOPE_TOKEN', description: `an ingest token allowed to emit for source "${SERVICE_SOURCE[service]}" (prefer the environment variable: flags show in ps)` },
  { key: 'spoolDir', flags: '--spool-dir <dir>', env: 'ORDERSCOPE_AGENT_SPOOL_DIR', description: 'where the agent keeps events while the collector is unreachable (default: .orderscope/spool/<service>-<instance>)' },
  { key: 'logLevel', flags: '--log-level <level>', env: 'ORDERSCOPE_LOG_LEVEL', description: 'fatal, error, warn, info, debug, trace or silent', default: 'info' },
  { key: 'toggles', flags: '--toggle <name=value>', env: 'ORDERSCOPE_PIPELINE_TOGGLES', description: `a feature toggle (repeatable): ${TOGGLE_NAMES.join(', ')}`, repeatable: true },
];

const AMQP_OPTION: ServiceOption = { key: 'amqpUrl', flags: '--amqp-url <url>', env: 'ORDERSCOPE_AMQP_URL', description: 'RabbitMQ', default: 'amqp://guest:guest@127.0.0.1:5672' };
const database = (envSystem: string, db: string): ServiceOption => ({
  key: 'databaseUrl',
  flags: '--database-url <url>',
  env: `ORDERSCOPE_${envSystem}_DATABASE_URL`,
  description: 'the service\'s own PostgreSQL database (it must exist; the schema is created at start)',
  default: pg(db),
});

/** Every option of every service, with its flag, environment variable and default. */
export const SERVICE_OPTIONS: Readonly<Record<ServiceName, readonly ServiceOption[]>> = {
  shop: [
    ...common('shop', 7410),
    AMQP_OPTION,
    database('SHOP', 'orderscope_shop'),
    { key: 'republishAfterMs', flags: '--republish-after <duration>', env: 'ORDERSCOPE_SHOP_REPUBLISH_AFTER', description: 'publish a cost-analysis request again when RabbitMQ has not confirmed it after this long', default: '5s' },
  ],
  crm: [
    ...common('crm', 7411),
    AMQP_OPTION,
    database('CRM', 'orderscope_crm'),
    { key: 'operators', flags: '--operator <id[:weight[:capacity]]>', env: 'ORDERSCOPE_CRM_OPERATORS', description: 'an operator who takes orders (repeatable; weight default 1, capacity default 50 open orders)', repeatable: true },
    { key: 'fairnessWindowMs', flags: '--fairness-window <duration>', env: 'ORDERSCOPE_CRM_FAIRNESS_WINDOW', description: 'the window over which operators\' shares of orders are balanced', default: '1h' },
    { key: 'prefetch', flags: '--prefetch <n>', env: 'ORDERSCOPE_CRM_PREFETCH', description: 'quotes taken from RabbitMQ at once', default: '20' },
  ],
  'mes-api': [
    ...common('mes-api', 7412),
    { ...AMQP_OPTION, description: 'RabbitMQ, only for redrives (POST /production/:id/requeue looks in mes.production.dead); not needed to start' },
    database('MES', 'orderscope_mes'),
    { key: 'readDatabaseUrl', flags: '--read-database-url <url>', env: 'ORDERSCOPE_MES_READ_DATABASE_URL', description: 'where production status is read from: a read replica (default: --database-url)' },
  ],
  'mes-worker': [
    ...common('mes-worker', 7413),
    AMQP_OPTION,
    database('MES', 'orderscope_mes'),
    { key: 'redisUrl', flags: '--redis-url <url>', env: 'ORDERSCOPE_REDIS_URL', description: 'Redis, for the pricing cache', default: 'redis://127.0.0.1:6379' },
    { key: 'concurrency', flags: '--concurrency <n>', env: 'ORDERSCOPE_MES_WORKER_CONCURRENCY', description: 'pricing threads in this process (it takes twice as many requests from RabbitMQ at once)', default: '2' },
    { key: 'pricingIterations', flags: '--pricing-iterations <n>', env: 'ORDERSCOPE_MES_PRICING_ITERATIONS', description: 'the cost of one cost analysis: rounds of SHA-256 (CPU time)', default: '200000' },
    { key: 'maxRetries', flags: '--max-retries <n>', env: 'ORDERSCOPE_MES_WORKER_MAX_RETRIES', description: 'retries of a failed message before it goes to the dead-letter queue', default: '5' },
    { key: 'retryDelayMs', flags: '--retry-delay <duration>', env: 'ORDERSCOPE_MES_WORKER_RETRY_DELAY', description: 'how long a failed message waits in the retry queue', default: '2s' },
    { key: 'cacheTtlMs', flags: '--cache-ttl <duration>', env: 'ORDERSCOPE_MES_PRICING_CACHE_TTL', description: 'how long a price stays in the cache', default: '24h' },
  ],
};

/**
 * Checks a service's raw options (text from flags and environment variables, and the defaults) and
 * converts them. Fails with every wrong option, named by its flag and variable, and what is wrong.
 */
export function parseServiceConfig<S extends ServiceName>(service: S, raw: Record<string, unknown>): ServiceConfig<S> {
  const withInstance = { ...raw, instance: raw.instance ?? defaultInstance() };
  const parsed = serviceConfigSchemas[service].safeParse(withInstance);
  if (parsed.success) return parsed.data as ServiceConfig<S>;
  const byKey = new Map(SERVICE_OPTIONS[service].map((o) => [o.key, o]));
  const lines = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const option = byKey.get(key);
    return `${option ? `${option.flags.split(' ')[0]} (${option.env})` : key || '(options)'}: ${issue.message}`;
  });
  throw new ConfigError(`invalid options for pipeline ${service}:\n  ${lines.join('\n  ')}`);
}

/** The host name, made fit for an instance name (containers' host names already are). */
function defaultInstance(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'local';
}

function envPart(service: ServiceName): string {
  return service.toUpperCase().replace(/-/g, '_');
}

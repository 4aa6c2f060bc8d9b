import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors';
import { DEFAULT_HTTP_TIMEOUTS } from './http';
import { envName, settingName } from './setting-names';
import { splitList } from './split-list';

const port = z.number().int().min(0).max(65_535);

/**
 * A connection string node-postgres understands: a postgres:// (postgresql://, socket://) URL or a
 * socket directory. Checked here so that a typo fails at start, naming the key, instead of as a
 * connection to a host called "base" that never answers. The value is never repeated: it may hold a password.
 */
const postgresUrl = z.string().regex(/^((postgres(ql)?|socket):\/\/|\/)/i, { error: 'must be a PostgreSQL URL like postgres://user:password@host:5432/database' });

/**
 * A source table of reconciliation: the table, id and state columns and value map the pg-outbox
 * sidecar of that system is started with (`--table`, `--id-column`, `--state-column`, `--map`,
 * `--ignore`), and where its database is. The URL may hold a password: it is never logged or
 * repeated in an error; `urlEnv` names an environment variable that holds it instead.
 */
const reconcileSourceSchema = z
  .strictObject({
    /** The system, as errors and reports name it (e.g. shop). */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'must be 1-64 letters, digits, ".", "_" or "-", e.g. shop' }),
    url: postgresUrl.optional(),
    urlEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be the name of an environment variable, e.g. SHOP_DATABASE_URL' }).optional(),
    table: z.string().min(1),
    idColumn: z.string().min(1).default('id'),
    stateColumn: z.string().min(1),
    /** A timestamptz column set at every change of the row: windows and the grace period read it. */
    updatedAtColumn: z.string().min(1).optional(),
    /** `value=state` pairs, as `--map` of the sidecar; none: the values are state names. */
    map: z.array(z.string()).default([]),
    /** Values that are not tracked, as `--ignore` of the sidecar. */
    ignore: z.array(z.string()).default([]),
  })
  .refine((s) => (s.url === undefined) !== (s.urlEnv === undefined), { error: 'give url or urlEnv (the environment variable that holds the URL), one of them' });
export type ReconcileSourceConfig = z.output<typeof reconcileSourceSchema>;

/** The Kafka client libraries the bus runs on (`kafka.client`). */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClient = (typeof KAFKA_CLIENTS)[number];

/**
 * The client each side of the bus runs on when `kafka.client` is not set, the faster for its job as
 * measured by `npm run bench -- collector` and `-- tracker` (issue 18): the collector publishes 1.2 to
 * 1.7 times the events per second on platformatic; the tracker consumes as fast on kafkajs, at about
 * 200 MiB less memory. Both clients put an order's events on the same partition, so the two sides
 * need not agree.
 */
export const DEFAULT_KAFKA_CLIENT = { publisher: 'platformatic', consumer: 'kafkajs' } as const satisfies Record<string, KafkaClient>;

/** The client a side of the bus runs on: `kafka.client` when set, else {@link DEFAULT_KAFKA_CLIENT}'s. */
export function kafkaClientFor(kafka: Pick<Config['kafka'], 'client'>, side: keyof typeof DEFAULT_KAFKA_CLIENT): KafkaClient {
  return kafka.client ?? DEFAULT_KAFKA_CLIENT[side];
}

/** What a tracker instance name may be: a host, pod or container name fits. */
export const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const INSTANCE_NAME_RULE = 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit';

const tokenSchema = z.strictObject({
  /** Who holds the token, for logs and audit (never the token itself). */
  name: z.string().min(1),
  /** SHA-256 of the token, hex. Tokens are never stored in clear. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be the 64-hex-digit SHA-256 of the token (orderscope token hash)' }),
  /** Sources this token may emit events for; "*" for any. */
  sources: z.array(z.string()).default([]),
  /** What the token may do: ingest (POST events), read (API, reports), admin (redrive). */
  scopes: z.array(z.enum(['ingest', 'read', 'admin'])).default(['ingest']),
});
export type TokenConfig = z.output<typeof tokenSchema>;

/**
 * The whole configuration of every orderscope process: one typed schema with defaults. Values come
 * from defaults, then the YAML config file, then ORDERSCOPE_* environment variables (see {@link envName}).
 */
export const configSchema = z.strictObject({
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
  /** The process model file; the built-in default pipeline when empty. */
  model: z.strictObject({ file: z.string().default('') }).prefault({}),
  kafka: z
    .strictObject({
      brokers: z.array(z.string().min(1)).min(1).default(['127.0.0.1:9092']),
      /**
       * The Kafka client library behind the bus: kafkajs (unmaintained since 2023) or
       * @platformatic/kafka, for every side of the bus of this process. Only bus/kafka knows; both
       * speak the same contract, put an order's events on the same partition, and can be members of
       * one consumer group. Unset, each side runs on the faster for its job ({@link DEFAULT_KAFKA_CLIENT}):
       * collectors publish on platformatic, trackers consume on kafkajs.
       */
      client: z.enum(KAFKA_CLIENTS).optional(),
      clientId: z.string().default('orderscope'),
      topic: z.string().min(1).default('order-events'),
      partitions: z.number().int().min(1).default(6),
      replicationFactor: z.number().int().min(1).default(1),
      groupId: z.string().min(1).default('orderscope-tracker'),
      connectionTimeoutMs: z.number().int().positive().default(3000),
      requestTimeoutMs: z.number().int().positive().default(10_000),
      /**
       * Partitions whose batches a tracker applies at once. Each batch is its own transaction on its
       * own orders (keys never cross partitions), so while one waits for PostgreSQL another is decoded
       * or committed.
       */
      partitionsConsumedConcurrently: z.number().int().min(1).default(3),
      /**
       * Upper bound of one fetch per partition, which is one batch. A larger batch holds more events of
       * each order, so fewer order updates per event, but a tracker holds up to
       * partitionsConsumedConcurrently of them in memory until they commit. 2 MiB keeps a tracker's
       * peak RSS under 300 MiB; 4 MiB applied 3 to 10 % more events/s for about 85 MiB more
       * (`npm run bench -- tracker`, README "Memory").
       */
      maxBytesPerPartition: z.number().int().min(65_536).default(2_097_152),
      /** How often each tracker's lag monitor reads the group's committed offsets and the high watermarks from the broker. */
      lagIntervalMs: z.number().int().min(100).default(10_000),
      /**
       * How long a partition's committed offset may stay put while it has lag before it is stalled, and
       * the window over which a growing lag makes it lagging; at least two intervals.
       */
      lagWindowMs: z.number().int().min(200).default(120_000),
    })
    .refine((k) => k.lagWindowMs >= 2 * k.lagIntervalMs, {
      path: ['lagWindowMs'],
      error: 'must be at least twice kafka.lagIntervalMs, so that a window holds more than one sample',
    })
    .prefault({}),
  postgres: z
    .strictObject({
      url: postgresUrl.default('postgres://postgres@127.0.0.1:5432/orderscope'),
      /** A read-only connection (e.g. a replica) for reports; the primary when empty. */
      readUrl: z.union([z.literal(''), postgresUrl]).default(''),
      poolSize: z.number().int().min(1).default(10),
    })
    .prefault({}),
  collector: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: port.default(7400),
      maxEvents: z.number().int().min(1).default(1000),
      maxBytes: z.number().int().min(1024).default(1_048_576),
      /** Per-token sustained events per second; 0 disables the limit. */
      rateLimitEventsPerSecond: z.number().min(0).default(5000),
      /** Per-token burst, in events. */
      rateLimitBurst: z.number().int().min(1).default(20_000),
      /** How long a request may wait for the bus to acknowledge before it is answered 503. */
      publishTimeoutMs: z.number().int().positive().default(5000),
      /**
       * How often the collector publishes one heartbeat per partition of the topic, which the tracker
       * records per partition (the TrackingHeartbeatStale alert); 0 disables heartbeats.
       */
      heartbeatIntervalMs: z.number().int().min(0).default(15_000),
    })
    .prefault({}),
  tracker: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: port.default(7401),
      /**
       * Where the trace links of orders and events lead: zipkin, jaeger or tempo (through Grafana's
       * Explore), at traceBackendUrl; none (the default): no trace links at all, as a link to a backend
       * that is not there leads nowhere.
       */
      traceBackend: z.enum(['none', 'zipkin', 'jaeger', 'tempo']).default('none'),
      /** The trace backend's UI as the reader's browser reaches it: Zipkin or Jaeger, or Grafana for tempo. */
      traceBackendUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:9411' })]).default(''),
      /** How often the stuck/lost sweeper looks for due orders. */
      sweepIntervalMs: z.number().int().positive().default(1000),
      /** Redrives per second per action of the model (one owning system's endpoint), sustained; 0: no limit. */
      redriveRatePerSecond: z.number().min(0).default(2),
      /** Redrives per action that may go at once before the rate applies. */
      redriveBurst: z.number().int().min(1).default(5),
      /** How often the automatic redrive policy (auto: in the model) looks for lost orders; 0 turns it off. */
      autoRedriveIntervalMs: z.number().int().min(0).default(30_000),
      /**
       * This tracker's stable name: its duration histograms are kept in the store under it (so they
       * continue across restarts) and exported only by the one live process holding its lease. The
       * host name by default, which suits one process on a fixed host; replicas, and containers (whose
       * host name changes on every re-creation), must each set a stable, distinct one: on Kubernetes the
       * StatefulSet pod name.
       */
      instance: z
        .string()
        .regex(INSTANCE_NAME, { error: `${INSTANCE_NAME_RULE} (the default is the host name; set a name that fits)` })
        .prefault(() => hostname()),
      /** How long the instance lease lasts unless renewed: how long a killed tracker's successor waits at most. */
      instanceLeaseTtlMs: z.number().int().min(1000).default(15_000),
      /** How often the holder renews the instance lease; well under instanceLeaseTtlMs. */
      instanceLeaseRenewMs: z.number().int().min(10).default(5000),
      /** How long start waits while another live process holds the instance, before it gives up. */
      instanceLeaseWaitMs: z.number().int().min(0).default(60_000),
      /**
       * How long after its lease expired an instance nobody held since is removed, with its histogram
       * totals (a tracker restarted under a new name never comes back under the old one). Long enough
       * for a tracker that is down a while to find its totals again, and for Prometheus to have marked
       * the series stale long before.
       */
      instanceRetentionMs: z.number().int().min(60_000).default(86_400_000),
      /**
       * How often the tracker reconciles the source systems' order tables (reconcile.sources) with its
       * orders, over the last reconcile.windowMs; 0 (the default) runs no reconciliation.
       */
      reconcileIntervalMs: z.number().int().min(0).default(0),
    })
    .refine((t) => t.traceBackend === 'none' || t.traceBackendUrl !== '', {
      path: ['traceBackendUrl'],
      error: 'must be set when tracker.traceBackend is not none: the URL of the trace backend, e.g. http://127.0.0.1:9411 for zipkin',
    })
    .refine((t) => t.instanceRetentionMs > t.instanceLeaseTtlMs, {
      path: ['instanceRetentionMs'],
      error: 'must be longer than tracker.instanceLeaseTtlMs: an instance is removed only long after its lease expired',
    })
    .refine((t) => t.instanceLeaseRenewMs * 2 <= t.instanceLeaseTtlMs, {
      path: ['instanceLeaseRenewMs'],
      error: 'must be at most half of tracker.instanceLeaseTtlMs, so that one failed renewal does not lose the lease',
    })
    .prefault({}),
  /** Every HTTP server of the process (collector, tracker): how long a client may take to send a request. */
  http: z
    .strictObject({
      /** From a request's first byte until its headers are in; a slower client is answered 408 and closed. */
      headersTimeoutMs: z.number().int().positive().default(DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs),
      /** From a request's first byte until all of it, body included, is in (at least headersTimeoutMs). */
      requestTimeoutMs: z.number().int().positive().default(DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs),
    })
    .refine((h) => h.headersTimeoutMs <= h.requestTimeoutMs, {
      path: ['headersTimeoutMs'],
      error: 'must be at most http.requestTimeoutMs: the headers are part of the request',
    })
    .prefault({}),
  /** Reconciliation of the source systems' order tables with the tracker (`orderscope reconcile`, tracker.reconcileIntervalMs). */
  reconcile: z
    .strictObject({
      /** The source tables, described as the pg-outbox sidecar knows them; read only, never written. */
      sources: z.array(reconcileSourceSchema).default([]),
      /**
       * How long a difference may last before it is reported: an order placed a moment ago is on its way
       * to the tracker, not missing.
       */
      graceMs: z.number().int().min(0).default(300_000),
      /** The periodic job's window: the last windowMs before each run. */
      windowMs: z.number().int().min(1000).default(86_400_000),
    })
    .refine((r) => new Set(r.sources.map((s) => s.name)).size === r.sources.length, { path: ['sources'], error: 'each source needs a name of its own' })
    .prefault({}),
  embedded: z
    .strictObject({
      /** Where `orderscope up` keeps its PGlite database and generated token. */
      dataDir: z.string().default('.orderscope'),
    })
    .prefault({}),
  tokens: z.array(tokenSchema).default([]),
});

export type Config = z.output<typeof configSchema>;

export { envName, settingName };

/** SHA-256 hex of a token, the form in which tokens are configured and compared. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface LoadConfigOptions {
  /** A YAML config file; none when undefined. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values that win over everything else (e.g. CLI flags). */
  overrides?: Record<string, unknown>;
}

/**
 * Loads and validates the configuration. Fails fast with the key name and what is wrong, e.g.
 * `ORDERSCOPE_COLLECTOR_PORT: "abc" is not a number`.
 *
 * ORDERSCOPE_TOKEN, when set, adds one token allowed to do everything, for development and embedded
 * mode; production deployments list hashed tokens in the config file instead.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.ORDERSCOPE_CONFIG;
  const fromFile = file ? readConfigFile(file, options.file === undefined ? 'ORDERSCOPE_CONFIG' : '--config') : {};
  const merged = deepMerge(fromFile, envValues(env), options.overrides ?? {});
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((i) => {
      const key = i.path.map(String);
      if (i.code === 'unrecognized_keys') return i.keys.map((unknown) => unknownKey([...key, unknown]));
      const source = key.length && envHas(env, key) ? envName(key.filter((k) => !/^\d+$/.test(k))) : key.join('.') || '(root)';
      return [`${source}: ${i.message}`];
    });
    const where = `invalid configuration${file ? ` (${file})` : ''}`;
    throw new ConfigError(lines.length === 1 ? `${where}: ${lines[0]}` : `${where}:\n  ${lines.join('\n  ')}`);
  }
  const config = parsed.data;
  const devToken = env.ORDERSCOPE_TOKEN;
  if (devToken) {
    config.tokens.push({ name: 'ORDERSCOPE_TOKEN', sha256: hashToken(devToken), sources: ['*'], scopes: ['ingest', 'read', 'admin'] });
  }
  return config;
}

/**
 * The settings of a YAML config file, or a {@link ConfigError} in one sentence that names the file and
 * what to do: missing, unreadable, not YAML, or not a mapping of sections. `givenBy` is where the
 * path came from (--config or ORDERSCOPE_CONFIG).
 */
function readConfigFile(file: string, givenBy: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? `there is no such file; check the path given by ${givenBy}`
      : code === 'EISDIR' ? `it is a directory; give ${givenBy} the path of a YAML file`
      : code === 'EACCES' || code === 'EPERM' ? 'this user may not read it (permission denied); give this user read access to it'
      : `${(err as Error).message}; check the path given by ${givenBy}`;
    throw new ConfigError(`cannot read the config file ${file}: ${reason}`, err);
  }
  let settings: unknown;
  try {
    settings = parseYaml(text);
  } catch (err) {
    // The parser's first line says what and where ("... at line 2, column 1:"); the rest is an excerpt.
    const what = (err as Error).message.split('\n')[0]!.replace(/:$/, '');
    throw new ConfigError(`the config file ${file} is not valid YAML: ${what}; correct it there`, err);
  }
  if (settings === null || settings === undefined) return {};
  if (!isPlainObject(settings)) {
    const found = Array.isArray(settings) ? 'a list' : `a ${typeof settings}`;
    throw new ConfigError(`the config file ${file} holds ${found}; it must be a YAML mapping of sections (${Object.keys(configSchema.shape).join(', ')})`);
  }
  return settings;
}

/** A key the schema does not have, with the keys that would fit there (most likely a typo of one). */
function unknownKey(path: readonly string[]): string {
  const parent = path.slice(0, -1);
  const known = Object.keys(objectAt(parent)?.shape ?? {}).join(', ');
  return parent.length === 0 ? `${path.join('.')}: not a section of the configuration (the sections: ${known})` : `${path.join('.')}: not a setting (${parent.join('.')} has: ${known})`;
}

/** The object schema at a key path of the config ("tokens.0" is a token). */
function objectAt(path: readonly string[]): z.ZodObject | undefined {
  let schema: z.ZodType = configSchema;
  for (const key of path) {
    const s = unwrap(schema);
    if (s instanceof z.ZodArray) schema = s.element as z.ZodType;
    else if (s instanceof z.ZodObject) schema = (s.shape as Record<string, z.ZodType>)[key]!;
    else return undefined;
    if (schema === undefined) return undefined;
  }
  const s = unwrap(schema);
  return s instanceof z.ZodObject ? s : undefined;
}

function envHas(env: NodeJS.ProcessEnv, path: string[]): boolean {
  return env[envName(path)] !== undefined;
}

/** Every leaf of the schema that an environment variable sets: its section, key and variable. */
function envLeaves(): { section: string; key: string; name: string; leaf: z.ZodType }[] {
  return Object.entries(configSchema.shape).flatMap(([section, sectionSchema]) => {
    const shape = unwrap(sectionSchema);
    if (!(shape instanceof z.ZodObject)) return [];
    return Object.entries(shape.shape as Record<string, z.ZodType>).map(([key, leaf]) => ({ section, key, name: envName([section, key]), leaf: unwrap(leaf) }));
  });
}

/**
 * Every environment variable that {@link loadConfig} reads: one per key of the schema, and
 * ORDERSCOPE_CONFIG and ORDERSCOPE_TOKEN.
 */
export function configEnvNames(): string[] {
  return [...envLeaves().map((l) => l.name), 'ORDERSCOPE_CONFIG', 'ORDERSCOPE_TOKEN'];
}

/** Reads ORDERSCOPE_* variables for every leaf of the schema, converting to the leaf's type. */
function envValues(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const { section, key, name, leaf } of envLeaves()) {
    const raw = env[name];
    if (raw === undefined) continue;
    (out[section] ??= {})[key] = convert(raw, leaf, name);
  }
  return out;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

function convert(raw: string, leaf: z.ZodType, name: string): unknown {
  if (leaf instanceof z.ZodNumber) {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${name}: "${raw}" is not a number`);
    return n;
  }
  if (leaf instanceof z.ZodBoolean) {
    if (!['true', 'false', '1', '0'].includes(raw)) throw new ConfigError(`${name}: "${raw}" is not true or false`);
    return raw === 'true' || raw === '1';
  }
  if (leaf instanceof z.ZodArray) return splitList(raw);
  return raw;
}

function deepMerge(...layers: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const prev = out[key];
      out[key] =
        isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
    }
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

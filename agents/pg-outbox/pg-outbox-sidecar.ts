import { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { orderEventShape, LIMITS } from '../../events';
import { ConfigError, describeError, hearClientErrors, isRetriable, retry, splitList, type Logger, isTransientPgError } from '../../common';
import { CollectorClient, isDeliveryRetriable, parseAttributeSpecs, postBatch, retryDelayHint, ThrottledWarning, type EventTransport } from '../shared';
import { planDrain, settleDrain, type OutboxRow } from './drain-plan';
import { installCapture, uninstallCapture } from './install';
import { createPgOutboxMetrics, type PgOutboxMetrics } from './metrics';
import { OutboxNotifications } from './outbox-notifications';
import { OutboxStore, type RowDecision } from './outbox-store';
import { NOTIFY_CHANNEL, type CaptureSpec } from './sql/capture-sql';
import { parseTableName } from './sql/identifiers';
import { ValueMap } from './value-map';
import { Wakeup } from './wakeup';

export interface PgOutboxOptions {
  databaseUrl: string;
  /** The table whose state changes are captured: `orders` or `schema.orders`. */
  table: string;
  idColumn: string;
  stateColumn: string;
  /** The `source` of the events (the system that owns the table, e.g. shop). */
  source: string;
  /** `value=state` pairs, comma-separated, possibly repeated; none: values are state names already. */
  map?: readonly string[];
  /** State values that are not tracked (their rows are deleted, counted). */
  ignore?: readonly string[];
  /** Extra columns as event attributes: `name` (the column of that name) or `name=column`. */
  attributes?: readonly string[];
  /** Default `orderscope_outbox`; its dead letters go to `<outbox>_dead_letter`. */
  outboxTable?: string;
  collectorUrl: string;
  token: string;
  /** Rows per drain round (one request to the collector). Default 500. */
  batchSize?: number;
  /** How often to look for rows when no NOTIFY arrives. Default 1 s. */
  pollIntervalMs?: number;
  /** Timeout of one request to the collector. Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * How long a drain round holds the rows it claimed while it posts them. Rows of a sidecar that died
   * mid-round are sent again once it runs out; a post that outlasts it may be sent twice. Default 60 s,
   * and longer than the request timeout.
   */
  claimLeaseMs?: number;
  /** Backoff between failed rounds: first and longest. Defaults 500 ms and 30 s. */
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
  logger: Logger;
  registry: Registry;
  /** A transport other than the collector client (tests). */
  transport?: EventTransport;
}

/**
 * The pg-outbox sidecar: captures the state changes of a table of the host's database with a
 * trigger into an outbox table (in the host's own transaction, no code change), and drains the
 * outbox to the collector, deleting rows only once the collector accepted them.
 *
 * No transaction on the host's database stays open while the collector is asked: rows are claimed
 * (committed), posted, then deleted in a second short transaction (see {@link OutboxStore}).
 * Delivery is at-least-once (a sidecar killed after the collector's 202 and before its delete sends
 * those rows again once its claim expires, with the same event_ids). Any number of replicas may
 * drain one outbox.
 */
export class PgOutboxSidecar {
  readonly metrics: PgOutboxMetrics;
  private readonly spec: CaptureSpec;
  private readonly map: ValueMap;
  private readonly pool: Pool;
  private readonly store: OutboxStore;
  private readonly transport: EventTransport;
  private readonly notifications: OutboxNotifications;
  private readonly wakeup = new Wakeup();
  private readonly stop = new AbortController();
  private readonly warnings: ThrottledWarning;
  private readonly batchSize: number;
  private readonly claimLeaseMs: number;
  private running: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** Validates the options (ConfigError naming the flag); connects nothing yet. */
  constructor(private readonly options: PgOutboxOptions) {
    const source = orderEventShape.shape.source.safeParse(options.source);
    if (!source.success) throw new ConfigError(`--source: "${options.source}" is not a source name: ${source.error.issues[0]?.message}`);
    this.spec = {
      table: parseTableName(options.table),
      idColumn: options.idColumn,
      stateColumn: options.stateColumn,
      attributes: parseAttributes(options.attributes ?? []),
      outbox: parseTableName(options.outboxTable ?? 'orderscope_outbox', '--outbox-table'),
    };
    this.map = ValueMap.parse(options.map ?? [], options.ignore ?? []);
    this.batchSize = options.batchSize ?? 500;
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.claimLeaseMs = options.claimLeaseMs ?? 60_000;
    if (this.claimLeaseMs <= requestTimeoutMs) {
      throw new ConfigError(`--claim-lease: ${this.claimLeaseMs} ms is not longer than a request to the collector may take (${requestTimeoutMs} ms); rows would be sent twice`);
    }
    this.pool = hearClientErrors(new Pool({ connectionString: options.databaseUrl, max: 3 }), (err) =>
      options.logger.warn({ error: describeError(err) }, 'a database connection was lost'),
    );
    this.store = new OutboxStore(this.pool, this.spec.outbox, this.spec.table.text);
    this.transport = options.transport ?? new CollectorClient({ url: options.collectorUrl, token: options.token, timeoutMs: requestTimeoutMs, retry: { retries: 0 } });
    this.metrics = createPgOutboxMetrics(options.registry, () => this.store.backlog().catch(() => undefined));
    this.warnings = new ThrottledWarning(options.logger);
    this.notifications = new OutboxNotifications({
      databaseUrl: options.databaseUrl,
      channel: NOTIFY_CHANNEL,
      sourceTable: this.spec.table.text,
      onNotify: () => this.wakeup.notify(),
      logger: options.logger,
    });
  }

  /**
   * Installs the capture (idempotent) and starts draining. Resolves once draining has started;
   * {@link PgOutboxSidecar.done} settles when the drain stops (rejects on an error retrying cannot fix).
   */
  async start(): Promise<void> {
    await installCapture(this.pool, this.spec, this.options.logger);
    this.notifications.start();
    this.running ??= this.drainForever();
    this.options.logger.info(
      { table: this.spec.table.text, outbox: this.spec.outbox.text, source: this.options.source, map: this.map.describe() },
      'capturing state changes and draining the outbox',
    );
  }

  /** Settles when draining stops: resolves after close(), rejects on an error no retry can fix. */
  get done(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Removes the trigger and its function (the outbox tables stay), then closes. */
  async uninstall(): Promise<void> {
    await uninstallCapture(this.pool, this.spec.table);
    await this.close();
  }

  /** Stops draining (a round in flight gives its claim back: its rows stay for the next start) and disconnects. Safe to call twice. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.stop.abort();
      await this.running?.catch(() => undefined);
      await this.notifications.close();
      await this.pool.end();
    })());
  }

  private async drainForever(): Promise<void> {
    const signal = this.stop.signal;
    try {
      while (!signal.aborted) {
        const claimed = await retry(() => this.store.drain(this.batchSize, this.claimLeaseMs, (rows) => this.deliver(rows)), {
          retries: Number.POSITIVE_INFINITY,
          minDelayMs: this.options.retryMinDelayMs ?? 500,
          maxDelayMs: this.options.retryMaxDelayMs ?? 30_000,
          retryOn: isWorthRetrying,
          delayHint: (err) => retryDelayHint(err, this.options.retryMaxDelayMs ?? 30_000),
          signal,
          onRetry: (err, attempt, delayMs) => {
            this.metrics.retries.inc();
            this.warnings.warn('retry', { error: describeError(err), attempt, delay_ms: Math.round(delayMs) }, 'cannot drain the outbox right now; the rows stay in it and the drain retries with backoff');
          },
        });
        // A full batch means more rows are probably waiting: go on at once.
        if (claimed < this.batchSize) await this.wakeup.wait(this.options.pollIntervalMs ?? 1000, signal);
      }
    } catch (err) {
      if (signal.aborted) return;
      this.options.logger.error({ err }, 'the outbox drain stopped on an error that retrying cannot fix');
      throw err;
    }
  }

  /** Sends the claimed rows' events and decides each row's fate; throws (giving the claim back) when the collector cannot take them now. */
  private async deliver(rows: OutboxRow[]): Promise<RowDecision> {
    const plan = planDrain(rows, this.map, this.options.source);
    const result = plan.events.length > 0 ? await postBatch(this.transport, plan.events, this.stop.signal) : { accepted: 0, rejected: [] };
    const decision = settleDrain(plan, result);
    this.metrics.eventsSent.inc(plan.events.length - result.rejected.length);
    this.metrics.ignored.inc(plan.ignoredRowIds.length);
    for (const value of plan.unmappedValues) {
      this.warnings.warn(`unmapped:${value}`, { table: this.spec.table.text, value }, `the state value "${value}" is not in --map; its rows go to the dead-letter table (add it to --map or --ignore, then redrive them)`);
    }
    const rejected = decision.deadLetters.filter((d) => d.reason === 'rejected');
    this.metrics.deadLettered.inc({ reason: 'unmapped' }, plan.unmapped.length);
    this.metrics.deadLettered.inc({ reason: 'rejected' }, rejected.length);
    if (rejected.length > 0) {
      this.options.logger.warn({ rejected: rejected.length, examples: rejected.slice(0, 3).map((d) => ({ outbox_id: d.id, detail: d.detail })) }, 'the collector rejected outbox rows as invalid events; they are in the dead-letter table');
    }
    return decision;
  }
}

/**
 * Worth another round later: the collector unavailable (or refusing the token), or the database
 * unavailable. Anything else (a missing table, a bug) stops the sidecar with its error.
 */
function isWorthRetrying(err: unknown): boolean {
  return isDeliveryRetriable(err) || isRetriable(err) || isTransientPgError(err);
}

/** `--attribute` values, each a comma-separated list of `name` (the column of that name) or `name=column`. */
function parseAttributes(specs: readonly string[]): CaptureSpec['attributes'] {
  const attributes = parseAttributeSpecs(specs.flatMap(splitList), {
    expected: `name or name=column with a valid attribute name (letters, digits, "_", "." or "-", at most ${LIMITS.attributeKeyMaxLength} characters)`,
    bareName: true,
  }).map(({ name, source }) => ({ name, column: source }));
  // Every column is in every row (null at worst), so more than the contract's maximum would make every event invalid.
  if (attributes.length > LIMITS.maxAttributes) throw new ConfigError(`--attribute: at most ${LIMITS.maxAttributes} attributes`);
  return attributes;
}

import type { ClientBase, Pool } from 'pg';
import type { Logger } from '../../common';
import type { Publisher } from './amqp/publisher';
import type { WorkQueue } from './amqp/topology';
import { withTransaction } from './db';
import { currentTraceCarrier, inSpan, type TraceCarrier } from './trace-context';

/**
 * The transactional outbox of a service that changes an order and sends a message about it: the
 * message is written in the same transaction as the change, so that either both happen or neither.
 * The relay publishes it right after the commit and deletes it once RabbitMQ confirmed it; what the
 * fast path did not get out (RabbitMQ down, the process died) is swept up and published again. The
 * receivers deduplicate by message id, so a message published twice does no harm.
 */
export const OUTBOX_DDL = `CREATE TABLE IF NOT EXISTS outbox (
  message_id text PRIMARY KEY,
  queue text NOT NULL,
  body jsonb NOT NULL,
  trace_carrier jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`;

export interface OutboxMessage {
  /** Stable per message, e.g. `pricing-request:<order_id>`: the receivers' dedup key. */
  readonly messageId: string;
  readonly queue: WorkQueue;
  readonly body: unknown;
}

interface OutboxRow {
  message_id: string;
  queue: string;
  body: unknown;
  trace_carrier: TraceCarrier;
}

/**
 * Writes a message to the outbox in the caller's transaction, with the active trace (for the sweep,
 * which runs outside it). False when a message with this id is there already (not published yet).
 */
export async function enqueueMessage(tx: ClientBase, message: OutboxMessage): Promise<boolean> {
  const { rowCount } = await tx.query('INSERT INTO outbox (message_id, queue, body, trace_carrier) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
    message.messageId,
    message.queue.name,
    JSON.stringify(message.body),
    JSON.stringify(currentTraceCarrier()),
  ]);
  return rowCount === 1;
}

export interface OutboxRelayOptions {
  readonly pool: Pool;
  readonly publisher: Publisher;
  /** The queues this service publishes to, by name. */
  readonly queues: readonly WorkQueue[];
  /** A message older than this is swept up and published again. */
  readonly sweepAfterMs: number;
  readonly logger: Logger;
}

/** Publishes outbox messages: at once after their commit, and again by a periodic sweep. */
export class OutboxRelay {
  private readonly queues: ReadonlyMap<string, WorkQueue>;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    this.queues = new Map(options.queues.map((q) => [q.name, q]));
  }

  /** Starts the sweep (every half of `sweepAfterMs`). */
  start(): void {
    this.timer = setInterval(() => void this.sweep(), Math.max(250, this.options.sweepAfterMs / 2));
    this.timer.unref();
  }

  /**
   * Publishes these messages now, in the caller's trace. Never throws: a message that could not be
   * published stays in the outbox for the sweep, and the failure is logged.
   */
  async publishNow(messageIds: readonly string[]): Promise<void> {
    await this.publishClaimed('SELECT message_id, queue, body, trace_carrier FROM outbox WHERE message_id = ANY($1) FOR UPDATE SKIP LOCKED', [messageIds], false).catch((err: unknown) =>
      this.options.logger.warn({ err, message_ids: messageIds }, 'could not publish from the outbox now; the sweep will'),
    );
  }

  /** Publishes what is older than `sweepAfterMs`, each message in the trace of the transaction that wrote it. */
  sweep(): Promise<void> {
    return (this.sweeping ??= this.publishClaimed(
      `SELECT message_id, queue, body, trace_carrier FROM outbox WHERE created_at < clock_timestamp() - make_interval(secs => $1)
       ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      [this.options.sweepAfterMs / 1000],
      true,
    )
      .catch((err: unknown) => this.options.logger.warn({ err }, 'the outbox sweep failed; it runs again shortly'))
      .finally(() => (this.sweeping = undefined)));
  }

  /** Messages waiting in the outbox (for the backlog gauge). */
  async pending(): Promise<number> {
    const { rows } = await this.options.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    return rows[0]?.n ?? 0;
  }

  /** Stops the sweep and waits for one in progress. Safe to call twice. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /**
   * Claims rows (locked, so that a replica's sweep or fast path skips them), publishes each and
   * deletes it once confirmed; a failure stops the batch and rolls back what is left unconfirmed.
   */
  private async publishClaimed(sql: string, params: unknown[], sweep: boolean): Promise<void> {
    await withTransaction(this.options.pool, async (tx) => {
      const { rows } = await tx.query<OutboxRow>(sql, params);
      for (const row of rows) {
        const queue = this.queues.get(row.queue);
        if (!queue) throw new Error(`outbox message ${row.message_id} is for queue ${row.queue}, which this service does not publish to`);
        const publish = () => this.options.publisher.publish(queue, row.body, row.message_id);
        if (sweep) {
          await inSpan('outbox republish', { 'messaging.message.id': row.message_id, 'messaging.destination.name': queue.name }, publish, row.trace_carrier);
          this.options.logger.info({ message_id: row.message_id, queue: queue.name }, 'published an outbox message the fast path had not');
        } else {
          await publish();
        }
        await tx.query('DELETE FROM outbox WHERE message_id = $1', [row.message_id]);
      }
    });
  }
}

import { createHash } from 'node:crypto';
import amqp from 'amqplib';
import { Pool } from 'pg';
import { sleep } from '../../common';
import type { EmittedEvent } from './checker';
import { MIN_GAP_MS, OUTBOX_STATUS, STALLED_AGE_MS, type Emitter, type Step, type Workload } from './workload';

/** The source table the pg-outbox sidecar watches, and the exchange the amqp-tap sidecar taps. */
export const SOURCE_TABLE = 'work_orders';
export const TAP_EXCHANGE = 'chaos.mes';
export const TAP_ROUTING_KEY = 'order.released';

/** One event on its way to its source: its id and time are fixed at the first attempt, so a retry is the same event. */
interface Pending {
  readonly orderId: string;
  readonly state: string;
  readonly emitter: Emitter;
  readonly step: number;
  readonly eventId: string;
  readonly occurredAtMs: number;
}

/** What an emitter does with a batch: resolves once every event is in its source (and durable there). */
type Send = (batch: readonly Pending[]) => Promise<void>;

export interface DriverSources {
  /** The SDK's host process: resolves once the batch is durable in the agent; rejects when the host is down. */
  readonly sdk: (events: readonly { eventId: string; orderId: string; state: string; occurredAtMs: number }[]) => Promise<void>;
  /** The source database of the pg-outbox sidecar. */
  readonly sourceDb: Pool;
  /** The RabbitMQ vhost of the amqp-tap sidecar. */
  readonly amqpUrl: string;
}

export interface DriverProgress {
  /** Events in their source, per emitter. */
  readonly landed: Readonly<Record<Emitter, number>>;
  readonly retries: number;
  readonly lastError?: string;
}

/**
 * Emits a workload through the three agent kinds, as the real systems would: the shop tracks
 * orders with the SDK, the ERP writes a status column the pg-outbox sidecar captures, the MES
 * publishes messages the amqp-tap sidecar sees. Each source retries until its event is in (a
 * killed host, a restarting database), the way an application keeps its own work; an order's next
 * event is emitted only after the previous one landed, at least MIN_GAP_MS later.
 *
 * It keeps its own record of what the SDK and the publisher emitted; what the outbox emitted is in
 * the source database's `chaos_emitted` table (copied by a trigger on the outbox, in the same
 * transaction), read by {@link emittedByOutbox}.
 */
export class WorkloadDriver {
  readonly emitted: EmittedEvent[] = [];
  private readonly queues: Record<Emitter, Pending[]> = { sdk: [], outbox: [], tap: [] };
  private readonly landed: Record<Emitter, number> = { sdk: 0, outbox: 0, tap: 0 };
  private retries = 0;
  private lastError: string | undefined;
  /** Due events by 100 ms tick since the start. */
  private readonly wheel = new Map<number, Pending[]>();
  private outstanding = 0;
  private startedAt = 0;
  private stopped = false;

  constructor(
    private readonly workload: Workload,
    private readonly sources: DriverSources,
    private readonly seed: number,
  ) {}

  get progress(): DriverProgress {
    return { landed: { ...this.landed }, retries: this.retries, ...(this.lastError !== undefined && { lastError: this.lastError }) };
  }

  /** Runs the whole workload; resolves once every planned event is in its source. */
  async run(startedAt: number): Promise<void> {
    this.startedAt = startedAt;
    for (const order of this.workload.orders) {
      this.outstanding += order.steps.length;
      const occurredAtMs = order.stall === 'placed-long-ago' ? startedAt - STALLED_AGE_MS : undefined;
      this.schedule(order.orderId, 0, startedAt + order.startMs, occurredAtMs);
    }
    const tap = await this.openTap();
    const loops = [
      this.emitLoop('sdk', (batch) => this.sources.sdk(batch)),
      this.emitLoop('outbox', (batch) => this.writeOutbox(batch)),
      this.emitLoop('tap', (batch) => tap.publish(batch)),
    ];
    let tick = 0;
    while (this.outstanding > 0 && !this.stopped) {
      const now = Date.now();
      for (; tick <= Math.floor((now - startedAt) / 100); tick++) {
        for (const p of this.wheel.get(tick) ?? []) this.queues[p.emitter].push(p);
        this.wheel.delete(tick);
      }
      await sleep(50);
    }
    this.stopped = true;
    await Promise.all(loops);
    await tap.close();
  }

  stop(): void {
    this.stopped = true;
  }

  private schedule(orderId: string, step: number, dueMs: number, occurredAtMs?: number): void {
    const { state, emitter }: Step = this.plan(orderId).steps[step]!;
    const p: Pending = { orderId, state, emitter, step, eventId: eventIdOf(this.seed, orderId, step), occurredAtMs: occurredAtMs ?? Number.NaN };
    const tick = Math.max(0, Math.floor((dueMs - this.startedAt) / 100));
    const list = this.wheel.get(tick);
    if (list) list.push(p);
    else this.wheel.set(tick, [p]);
  }

  /** Sends the emitter's queue in batches, each retried until it is in; then schedules each order's next event. */
  private async emitLoop(emitter: Emitter, send: Send): Promise<void> {
    const queue = this.queues[emitter];
    while (!this.stopped || queue.length > 0) {
      if (queue.length === 0) {
        await sleep(20);
        continue;
      }
      const now = Date.now();
      // The time is fixed here, once: a retried batch is the same events.
      const batch = queue.splice(0, 500).map((p) => (Number.isNaN(p.occurredAtMs) ? { ...p, occurredAtMs: now } : p));
      for (let attempt = 0; ; attempt++) {
        try {
          await send(batch);
          break;
        } catch (err) {
          this.retries++;
          this.lastError = `${emitter}: ${(err as Error).message}`;
          await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
        }
      }
      const landedAt = Date.now();
      this.landed[emitter] += batch.length;
      for (const p of batch) {
        if (emitter !== 'outbox') this.emitted.push({ orderId: p.orderId, state: p.state, occurredAtMs: recordedTime(emitter, p.occurredAtMs) });
        this.outstanding--;
        const order = this.plan(p.orderId);
        if (p.step + 1 < order.steps.length) {
          this.schedule(p.orderId, p.step + 1, landedAt + Math.max(MIN_GAP_MS, order.gapsMs[p.step]!));
        }
      }
    }
  }

  private plans: Map<string, Workload['orders'][number]> | undefined;
  private plan(orderId: string) {
    this.plans ??= new Map(this.workload.orders.map((o) => [o.orderId, o]));
    return this.plans.get(orderId)!;
  }

  /** confirmed inserts the order's row, produced updates it; both are no-ops when already done, so a retry after a lost commit changes nothing. */
  private async writeOutbox(batch: readonly Pending[]): Promise<void> {
    const byState = new Map<string, string[]>();
    for (const p of batch) byState.set(p.state, [...(byState.get(p.state) ?? []), p.orderId]);
    for (const [state, ids] of byState) {
      const status = OUTBOX_STATUS[state]!;
      if (state === 'confirmed') {
        await this.sources.sourceDb.query(`INSERT INTO ${SOURCE_TABLE} (id, status) SELECT unnest($1::text[]), $2 ON CONFLICT (id) DO NOTHING`, [ids, status]);
      } else {
        await this.sources.sourceDb.query(`UPDATE ${SOURCE_TABLE} SET status = $2 WHERE id = ANY($1) AND status <> $2`, [ids, status]);
      }
    }
  }

  /** A confirm channel that publishes a batch and waits for the broker's confirms; reconnects after a failure. */
  private async openTap() {
    let connection: amqp.ChannelModel | undefined;
    let channel: amqp.ConfirmChannel | undefined;
    const open = async () => {
      if (channel) return channel;
      connection = await amqp.connect(this.sources.amqpUrl);
      connection.on('error', () => undefined);
      connection.on('close', () => (channel = undefined));
      const opened = await connection.createConfirmChannel();
      opened.on('error', () => undefined);
      // A channel closed by an error of its own is not reused (the next batch opens another).
      opened.on('close', () => {
        if (channel === opened) channel = undefined;
      });
      channel = opened;
      return opened;
    };
    return {
      publish: async (batch: readonly Pending[]) => {
        const ch = await open();
        for (const p of batch) {
          ch.publish(TAP_EXCHANGE, TAP_ROUTING_KEY, Buffer.from(JSON.stringify({ order: p.orderId })), {
            persistent: true,
            messageId: p.eventId,
            // AMQP timestamps are whole seconds: the tap's occurred_at is this, and so is the record.
            timestamp: Math.floor(p.occurredAtMs / 1000),
            headers: { 'x-order-id': p.orderId },
          });
        }
        await ch.waitForConfirms();
      },
      close: async () => {
        await connection?.close().catch(() => undefined);
      },
    };
  }
}

/** The tap's events occur at their message's timestamp, in whole seconds: its record must say so too. */
export function recordedTime(emitter: Emitter, occurredAtMs: number): number {
  return emitter === 'tap' ? Math.floor(occurredAtMs / 1000) * 1000 : occurredAtMs;
}

/** What the pg-outbox sidecar's trigger wrote to its outbox, as copied to chaos_emitted. */
export async function emittedByOutbox(sourceDb: Pool): Promise<EmittedEvent[]> {
  const states = new Map(Object.entries(OUTBOX_STATUS).map(([state, value]) => [value, state]));
  // Read as the sidecar reads its outbox (node-pg's Date, whole milliseconds), which is what it sends.
  const { rows } = await sourceDb.query<{ order_id: string; state_value: string; occurred_at: Date }>('SELECT order_id, state_value, occurred_at FROM chaos_emitted');
  return rows.map((r) => ({ orderId: r.order_id, state: states.get(r.state_value) ?? r.state_value, occurredAtMs: r.occurred_at.getTime() }));
}

/** A UUID per (seed, order, step): the same event whatever the attempt. */
function eventIdOf(seed: number, orderId: string, step: number): string {
  const h = createHash('sha256').update(`${seed}\u0000${orderId}\u0000${step}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

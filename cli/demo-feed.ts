import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { OrderEventInput, ProcessModel } from '../events';
import type { CollectorClient } from '../agents/shared';
import { describeError, type Logger } from '../common';
import { planOrder } from './demo-plan';

interface Scheduled {
  /** When the event happens (ms since the epoch): its occurred_at, whenever it is posted. */
  dueAt: number;
  event: Omit<OrderEventInput, 'occurred_at'>;
}

/** What the feed keeps in its state file between runs. */
interface SavedFeed {
  readonly version: 1;
  /** The number of the last order placed: the next run continues after it. */
  readonly orderNo: number;
  /** The events of the orders in flight, not yet posted. */
  readonly pending: readonly Scheduled[];
}

export interface DemoFeedOptions {
  readonly client: Pick<CollectorClient, 'post'>;
  readonly model: ProcessModel;
  readonly logger: Logger;
  /** Where the feed keeps its orders in flight and its order numbers across runs (in the data directory). */
  readonly stateFile: string;
  /** New orders per second. Default 2. */
  readonly rate?: number;
  /** The clock, in ms. */
  readonly now?: () => number;
  /** [0, 1); seeded in tests. */
  readonly random?: () => number;
}

/**
 * Feeds synthetic orders through the collector's HTTP API on the demo model's clock, so that a
 * newcomer sees orders move, stay, get stuck and get lost within a minute of `npm start`. It goes
 * through the same public API as a real agent: nothing is written behind the collector's back.
 *
 * Each order is planned when it is placed (demo-plan.ts); every event happens at its planned time,
 * which is its occurred_at whenever it is posted. So a feed that stops keeps its world consistent:
 * `close()` saves the orders in flight and the order number, and `resume()` at the next start posts
 * at once the events that fell due while it was down (the orders went on moving, as a real shop's
 * would while orderscope was down), then goes on. Order ids continue; nothing lands on a finished order.
 */
export class DemoFeed {
  private queue: Scheduled[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextOrderAt = 0;
  private orderNo = 0;
  private posting: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly rate: number;

  constructor(private readonly options: DemoFeedOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.rate = options.rate ?? 2;
  }

  /**
   * Takes up where the last run stopped (if its state file exists): order numbers continue, and the
   * events of its orders in flight that fell due while it was down are posted now.
   * @returns how many orders were in flight and how many of their events were posted now
   */
  async resume(): Promise<{ orders: number; posted: number }> {
    if (!existsSync(this.options.stateFile)) return { orders: 0, posted: 0 };
    const saved = JSON.parse(readFileSync(this.options.stateFile, 'utf8')) as SavedFeed;
    if (saved.version !== 1) throw new Error(`${this.options.stateFile} was written by another version of the demo feed; delete it to start the demo afresh`);
    this.orderNo = saved.orderNo;
    this.queue = [...saved.pending];
    const orders = new Set(saved.pending.map((s) => s.event.order_id)).size;
    const posted = await this.postDue();
    return { orders, posted };
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), 250);
    this.timer.unref();
  }

  /** Stops placing orders, waits for the post in flight, and saves the orders in flight for the next run. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.posting;
    const saved: SavedFeed = { version: 1, orderNo: this.orderNo, pending: this.queue };
    // Written whole, then renamed: a crash leaves the old file or the new one, never half of one.
    writeFileSync(`${this.options.stateFile}.tmp`, JSON.stringify(saved));
    renameSync(`${this.options.stateFile}.tmp`, this.options.stateFile);
  }

  private async tick(): Promise<void> {
    const now = this.now();
    while (this.nextOrderAt <= now) {
      this.scheduleOrder(now);
      this.nextOrderAt = (this.nextOrderAt || now) + (1000 / this.rate) * (0.5 + this.random());
    }
    if (!this.posting) await this.postDue();
  }

  /** Posts every event due by now, with its planned time; how many were posted. */
  private async postDue(): Promise<number> {
    const now = this.now();
    const due = this.queue.filter((s) => s.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    if (due.length === 0) return 0;
    this.queue = this.queue.filter((s) => s.dueAt > now);
    const post = async () => {
      try {
        // The collector takes at most 1000 events a request.
        for (let i = 0; i < due.length; i += 1000) {
          const events = due.slice(i, i + 1000).map((d) => ({ ...d.event, occurred_at: new Date(d.dueAt).toISOString() }));
          const result = await this.options.client.post(events);
          if (result.rejected.length) this.options.logger.warn({ rejected: result.rejected.slice(0, 3) }, 'the collector rejected demo events');
        }
      } catch (err) {
        this.options.logger.warn({ reason: describeError(err) }, 'the demo feed could not post events; it will go on with new orders');
      }
    };
    this.posting = post();
    await this.posting;
    this.posting = undefined;
    return due.length;
  }

  private scheduleOrder(now: number): void {
    const orderId = `DEMO-${String(++this.orderNo).padStart(6, '0')}`;
    const traceId = randomBytes(16).toString('hex');
    const plan = planOrder(this.options.model, this.random);
    plan.events.forEach((e, seq) => {
      this.queue.push({
        dueAt: now + e.atMs,
        event: {
          schema_version: 1,
          event_id: randomUUID(),
          order_id: orderId,
          source: this.options.model.state(e.state)!.system,
          state: e.state,
          seq,
          trace_id: traceId,
          span_id: randomBytes(8).toString('hex'),
          attributes: e.attributes,
        },
      });
    });
  }
}

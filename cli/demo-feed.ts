import { randomBytes, randomUUID } from 'node:crypto';
import type { OrderEventInput, ProcessModel } from '../events';
import type { CollectorClient } from '../collector/client';
import type { Logger } from '../common/logger';
import { planOrder } from './demo-plan';

interface Scheduled {
  dueAt: number;
  /** Stamped with occurred_at when it is posted: the demo is live, its events happen when sent. */
  event: Omit<OrderEventInput, 'occurred_at'>;
}

/**
 * Feeds synthetic orders through the collector's HTTP API on the demo model's clock, so that a
 * newcomer sees orders move, stay, get stuck and get lost within a minute of `npm start`. It goes
 * through the same public API as a real agent: nothing is written behind the collector's back.
 */
export class DemoFeed {
  private queue: Scheduled[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextOrder = 0;
  private orderNo = 0;
  private posting = false;

  constructor(
    private readonly client: Pick<CollectorClient, 'post'>,
    private readonly model: ProcessModel,
    private readonly logger: Logger,
    /** New orders per second. */
    private readonly rate = 2,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), 250);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    while (this.nextOrder <= now) {
      this.scheduleOrder(now);
      this.nextOrder = (this.nextOrder || now) + (1000 / this.rate) * (0.5 + Math.random());
    }
    if (this.posting) return;
    const due = this.queue.filter((s) => s.dueAt <= now);
    if (due.length === 0) return;
    this.queue = this.queue.filter((s) => s.dueAt > now);
    this.posting = true;
    try {
      const result = await this.client.post(due.map((d) => ({ ...d.event, occurred_at: new Date().toISOString() })));
      if (result.rejected.length) this.logger.warn({ rejected: result.rejected.slice(0, 3) }, 'the collector rejected demo events');
    } catch (err) {
      this.logger.warn({ err }, 'the demo feed could not post events; it will go on with new orders');
    } finally {
      this.posting = false;
    }
  }

  private scheduleOrder(now: number): void {
    const orderId = `DEMO-${String(++this.orderNo).padStart(6, '0')}`;
    const traceId = randomBytes(16).toString('hex');
    const plan = planOrder(this.model, Math.random);
    plan.events.forEach((e, seq) => {
      this.queue.push({
        dueAt: now + e.atMs,
        event: {
          schema_version: 1,
          event_id: randomUUID(),
          order_id: orderId,
          source: this.model.state(e.state)!.system,
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

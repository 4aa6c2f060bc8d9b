import type { OrderEvent } from '../events';
import { UnavailableError } from '../common/errors';
import type { BatchHandler, Bus } from './bus';

interface Pending {
  events: readonly OrderEvent[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The bus of embedded mode: publish hands the events straight to the subscribers and resolves only
 * after every handler has applied them, so a 202 from the collector means "stored" even without
 * Kafka. Concurrent publishes are merged into one handler call, which keeps the store's
 * transactions large when many requests arrive at once.
 */
export class InProcessBus implements Bus {
  private readonly handlers: BatchHandler[] = [];
  private queue: Pending[] = [];
  private draining = false;
  private closed = false;

  /** @param maxBatch Upper bound of events per handler call. */
  constructor(private readonly maxBatch = 5000) {}

  async start(): Promise<void> {}

  publish(events: readonly OrderEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new UnavailableError('the bus is closed'));
    if (events.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      void this.drain();
    });
  }

  async subscribe(handler: BatchHandler): Promise<void> {
    this.handlers.push(handler);
    void this.drain();
  }

  isReady(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    // Wait for what is in flight; anything still queued with no subscriber is refused, not lost:
    // its publisher gets an error and keeps the events.
    while (this.draining) await new Promise((r) => setImmediate(r));
    for (const p of this.queue.splice(0)) p.reject(new UnavailableError('the bus closed before the events were delivered'));
  }

  private async drain(): Promise<void> {
    if (this.draining || this.handlers.length === 0) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const taken: Pending[] = [];
        let size = 0;
        while (this.queue.length > 0 && (taken.length === 0 || size + this.queue[0]!.events.length <= this.maxBatch)) {
          const next = this.queue.shift()!;
          taken.push(next);
          size += next.events.length;
        }
        const batch = taken.length === 1 ? taken[0]!.events : taken.flatMap((p) => p.events);
        try {
          for (const handler of this.handlers) await handler(batch);
          for (const p of taken) p.resolve();
        } catch (err) {
          const error = new UnavailableError(`the events could not be applied: ${(err as Error).message ?? String(err)}`, err);
          for (const p of taken) p.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}

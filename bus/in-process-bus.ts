import type { OrderEvent } from '../events';
import { UnavailableError } from '../common';
import type { BatchHandler, DeliveryContext, EventOrigin, EventPublisher, EventSource, PublishOptions } from './bus';

interface Pending {
  events: readonly OrderEvent[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The bus holds as many events as it may, waiting for the subscriber; a publish beyond them is refused at once. */
export class BusFullError extends UnavailableError {
  /** @param holds what the bus holds, e.g. "50000 events", for the message */
  constructor(where: string, holds: string) {
    super(`${where} already holds ${holds} waiting to be applied`);
  }
}

/** Where every event of the in-process bus comes from. */
export const IN_PROCESS_ORIGIN: EventOrigin = { publisher: 'in-process' };

export interface InProcessBusOptions {
  /** Upper bound of events per handler call. Default 5000. */
  readonly maxBatch?: number;
  /** Events that may wait for the subscriber at once; beyond it publish rejects with BusFullError. Default 50,000. */
  readonly maxQueuedEvents?: number;
}

/**
 * The bus of embedded mode, publisher and source at once: publish hands the events straight to the
 * subscriber and resolves only after it applied them, so a 202 from the collector means "stored"
 * even without Kafka. Concurrent publishes are merged into one handler call, which keeps the
 * store's transactions large when many requests arrive at once.
 *
 * The queue is bounded (`maxQueuedEvents`): when the subscriber falls behind, a publish is refused
 * at once with {@link BusFullError} instead of waiting in an ever longer queue. A publish whose
 * `signal` aborts before its events were handed to the subscriber is withdrawn and rejected; once
 * handed over it runs to its end (the subscriber applies idempotently, so the client's retry is
 * harmless).
 */
export class InProcessBus implements EventPublisher, EventSource {
  private readonly handlers: BatchHandler[] = [];
  private queue: Pending[] = [];
  private queuedEvents = 0;
  private draining = false;
  private closed = false;
  private readonly maxBatch: number;
  private readonly maxQueuedEvents: number;

  constructor(options: InProcessBusOptions = {}) {
    this.maxBatch = options.maxBatch ?? 5000;
    this.maxQueuedEvents = options.maxQueuedEvents ?? 50_000;
  }

  async start(): Promise<void> {}

  publish(events: readonly OrderEvent[], options: PublishOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new UnavailableError('the bus is closed'));
    if (events.length === 0) return Promise.resolve();
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new UnavailableError('the publisher gave up before the events were queued'));
    // One publish larger than the whole queue still goes alone into an empty queue, or it never could.
    if (this.queuedEvents > 0 && this.queuedEvents + events.length > this.maxQueuedEvents) {
      return Promise.reject(new BusFullError('the in-process bus', `${this.maxQueuedEvents} events`));
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = { events, resolve, reject };
      signal?.addEventListener(
        'abort',
        () => {
          if (!this.queue.includes(pending)) return;
          this.queue = this.queue.filter((p) => p !== pending);
          this.queuedEvents -= events.length;
          reject(new UnavailableError('the publisher gave up before the events were applied; they were withdrawn'));
        },
        { once: true },
      );
      this.queue.push(pending);
      this.queuedEvents += events.length;
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
    this.queuedEvents = 0;
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
        this.queuedEvents -= size;
        const batch = taken.length === 1 ? taken[0]!.events : taken.flatMap((p) => p.events);
        const context: DeliveryContext = { origins: batch.map(() => IN_PROCESS_ORIGIN), unreadable: [] };
        try {
          for (const handler of this.handlers) await handler(batch, context);
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

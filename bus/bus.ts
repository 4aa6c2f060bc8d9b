import type { OrderEvent } from '../events';

/** Receives one batch of events; the batch counts as delivered only when the promise resolves. */
export type BatchHandler = (batch: readonly OrderEvent[]) => Promise<void>;

/**
 * The order-event bus between collector and tracker. Kafka in production, in-process in embedded
 * mode and unit tests; nothing outside bus/ knows which.
 *
 * Delivery is at-least-once: a batch whose handler rejects, or whose process dies before the handler
 * resolved, is delivered again. Consumers make their apply idempotent by event_id.
 */
export interface Bus {
  /** Connects (and creates the topic where needed). Safe to call once before publish/subscribe. */
  start(): Promise<void>;
  /**
   * Publishes events keyed by order_id (so that one order's events stay in order on one partition).
   * Resolves only once the bus has acknowledged every event; rejects with an `UnavailableError`
   * when it cannot, so the caller can answer "retry later" instead of losing them.
   */
  publish(events: readonly OrderEvent[]): Promise<void>;
  /** Starts delivering batches to `handler`; offsets are committed only after the handler resolved. */
  subscribe(handler: BatchHandler): Promise<void>;
  /** True while the bus can take events (for /readyz). */
  isReady(): boolean;
  /** Flushes and disconnects. Safe to call twice. */
  close(): Promise<void>;
}

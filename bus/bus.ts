import type { OrderEvent } from '../events';

/** Where one delivered message came from: its Kafka coordinates, or the in-process bus. */
export type EventOrigin = { readonly topic: string; readonly partition: number; readonly offset: string } | { readonly publisher: 'in-process' };

/** A message of the topic that is not an order event: kept by the consumer as a dead letter, never applied. */
export interface UnreadableMessage {
  /** The message's bytes, exactly as received. */
  readonly raw: Buffer;
  readonly reason: 'not_json' | 'invalid_event';
  /** What is wrong with it, in plain words. */
  readonly error: string;
  readonly origin: EventOrigin;
}

/** What a source tells the handler about a batch besides its events. */
export interface DeliveryContext {
  /** Where each event of the batch came from, index for index. */
  readonly origins: readonly EventOrigin[];
  /** Messages of the same batch that could not be read as order events. */
  readonly unreadable: readonly UnreadableMessage[];
}

/**
 * Receives one batch of events; the batch counts as delivered only when the promise resolves. A
 * handler rejects only for a reason that another attempt may fix (the database is down): an event
 * that can never be applied is the handler's to set aside, or it would be delivered forever.
 */
export type BatchHandler = (batch: readonly OrderEvent[], context: DeliveryContext) => Promise<void>;

/**
 * How a publisher hears that its caller gave up: the part of an AbortSignal the buses use, so that an
 * AbortSignal fits, and so does the collector's cheaper GiveUp (collector/http/publish-within.ts).
 */
export interface GiveUpSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
}

/** Options of one publish. */
export interface PublishOptions {
  /**
   * Fires when the caller gave up (its client was answered "retry later"). Events not yet handed
   * over are then withdrawn, so that an answered request is not applied behind its client's back.
   */
  readonly signal?: GiveUpSignal;
}

/**
 * The collector's side of the order-event bus: Kafka in production, in-process in embedded mode and
 * unit tests; nothing outside bus/ knows which.
 */
export interface EventPublisher {
  /** Connects (and creates the topic where needed). Safe to call more than once. */
  start(): Promise<void>;
  /**
   * Publishes events keyed by order_id (so that one order's events stay in order on one partition).
   * Resolves only once the bus has acknowledged every event; rejects with an `UnavailableError`
   * when it cannot (down, full, or `signal` aborted), so the caller can answer "retry later"
   * instead of losing them.
   */
  publish(events: readonly OrderEvent[], options?: PublishOptions): Promise<void>;
  /** True while the bus can take events (the collector's /readyz). */
  isReady(): boolean;
  /** Flushes and disconnects. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The tracker's side of the bus. Delivery is at-least-once: a batch whose handler rejects, or whose
 * process dies before the handler resolved, is delivered again. Consumers make their apply
 * idempotent by event_id.
 */
export interface EventSource {
  /** Connects. Safe to call more than once. */
  start(): Promise<void>;
  /** Starts delivering batches to `handler`; offsets are committed only after the handler resolved. */
  subscribe(handler: BatchHandler): Promise<void>;
  /** True while batches can be delivered (the tracker's /readyz). */
  isReady(): boolean;
  /** Stops delivering, waits for the batch in the handler, and disconnects. Safe to call twice. */
  close(): Promise<void>;
}

/** A short description of where a message came from, for logs and pages. */
export function describeOrigin(origin: EventOrigin): string {
  return 'publisher' in origin ? `the ${origin.publisher} bus` : `${origin.topic}/${origin.partition}@${origin.offset}`;
}

import { checkEventShape, type CheckOptions, type OrderEvent } from '../../events';
import type { EventOrigin, UnreadableMessage } from '../bus';
import type { DropReason } from '../metric-names';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** What a message of the topic holds: an order event, something else (kept as a dead letter), or nothing. */
export type Decoded =
  | { readonly event: OrderEvent }
  | { readonly unreadable: 'not_json' | 'invalid_event'; readonly error: string }
  | { readonly dropped: DropReason };

/** The JSON value in a message's bytes (strict UTF-8), or what is wrong with them, in words. */
export function readJson(raw: Uint8Array): { readonly json: unknown } | { readonly error: string } {
  try {
    return { json: JSON.parse(strictUtf8.decode(raw)) as unknown };
  } catch (err) {
    return { error: `the message is not JSON in UTF-8: ${(err as Error).message}` };
  }
}

/** A message's value as a Kafka client hands it over: kafkajs says null for none, @platformatic/kafka undefined. */
export interface RawMessage {
  readonly value: Buffer | null | undefined;
}

/** The order event in a Kafka message, or why there is none. */
export function decodeEvent(message: RawMessage): Decoded {
  if (!message.value || message.value.length === 0) return { dropped: 'no_value' };
  const read = readJson(message.value);
  if ('error' in read) return { unreadable: 'not_json', error: read.error };
  // Parsed here from the message's bytes, held by nothing else.
  const result = readOrderEvent(read.json, { fresh: true });
  return 'event' in result ? result : { unreadable: 'invalid_event', error: result.error };
}

/**
 * The order event a JSON value of the bus holds, or what is wrong with it in the collector's words:
 * every rule of the contract but the clock's (an event's place in time was judged when it was taken in).
 */
export function readOrderEvent(json: unknown, options: CheckOptions = {}): { readonly event: OrderEvent } | { readonly error: string } {
  const checked = checkEventShape(json, options);
  return 'event' in checked ? { event: checked.event } : { error: `the message is not a valid order event: ${checked.error}` };
}

/** One partition's fetched messages, sorted out for the batch handler. */
export interface DecodedBatch {
  readonly events: OrderEvent[];
  /** Where each event came from, index for index. */
  readonly origins: EventOrigin[];
  readonly unreadable: UnreadableMessage[];
  /** Messages that carry nothing (tombstones, empty values): only counted. */
  readonly dropped: { readonly origin: EventOrigin; readonly reason: DropReason }[];
}

/** Decodes the messages of one partition's batch, whichever client fetched them. */
export function decodeBatch(topic: string, partition: number, messages: Iterable<RawMessage & { readonly offset: string | bigint }>): DecodedBatch {
  const batch: DecodedBatch = { events: [], origins: [], unreadable: [], dropped: [] };
  for (const message of messages) {
    const origin = { topic, partition, offset: String(message.offset) };
    const decoded = decodeEvent(message);
    if ('event' in decoded) {
      batch.events.push(decoded.event);
      batch.origins.push(origin);
    } else if ('unreadable' in decoded) {
      batch.unreadable.push({ raw: message.value!, reason: decoded.unreadable, error: decoded.error, origin });
    } else {
      batch.dropped.push({ origin, reason: decoded.dropped });
    }
  }
  return batch;
}

import type { KafkaMessage } from 'kafkajs';
import { orderEventShape, type OrderEvent } from '../../events';
import type { DropReason } from './kafka-metrics';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** What a message of the topic holds: an order event, something else (kept as a dead letter), or nothing. */
export type Decoded =
  | { readonly event: OrderEvent }
  | { readonly unreadable: 'not_json' | 'invalid_event'; readonly error: string }
  | { readonly dropped: DropReason };

/** The order event in a Kafka message, or why there is none. */
export function decodeEvent(message: Pick<KafkaMessage, 'value'>): Decoded {
  if (!message.value || message.value.length === 0) return { dropped: 'no_value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(message.value));
  } catch (err) {
    return { unreadable: 'not_json', error: `the message is not JSON in UTF-8: ${(err as Error).message}` };
  }
  const result = orderEventShape.safeParse(parsed);
  if (result.success) return { event: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return { unreadable: 'invalid_event', error: `the message is not a valid order event: ${where}${issue?.message ?? 'invalid'}` };
}

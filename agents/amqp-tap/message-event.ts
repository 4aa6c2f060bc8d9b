import { createHash } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { LIMITS, ORDER_EVENT_SCHEMA_VERSION, validateOrderEvent, type AttributeValue, type OrderEventInput } from '../../events';
import { bindingOf, type TapBinding } from './bindings';
import { asOrderId, type FieldReader } from './message-fields';
import { traceIdsOf } from './traceparent';

/** How the tap turns a message into an order event. */
export interface MessageEventRules {
  source: string;
  bindings: readonly TapBinding[];
  orderId: FieldReader;
  /** Extra attributes, by name. */
  attributes: ReadonlyMap<string, FieldReader>;
}

/** Why a message produced no event: the values of the tap's dropped counter. */
export type SkipReason = 'no_order_id' | 'invalid_event';

export type MessageVerdict = { ok: true; event: OrderEventInput } | { ok: false; reason: SkipReason; error: string };

/**
 * The "message seen" event of a tapped message: the order id from a header or the body, the state
 * of the binding it came through, the exchange and routing key as attributes, the trace of its
 * `traceparent` header, and occurred_at from the message's timestamp property when it has a
 * plausible one (else the time it was seen).
 *
 * The event_id is derived from the message (exchange, routing key and its message id, or its body
 * when it has none), so a message redelivered after a tap crash, or seen by two tap replicas, is
 * one event downstream; a publisher that sends identical bodies twice without message ids gets one.
 */
export function messageEvent(message: ConsumeMessage, rules: MessageEventRules, now: Date): MessageVerdict {
  const { exchange, routingKey } = message.fields;
  let parsed: { value: unknown } | undefined;
  const body = () => (parsed ??= { value: parseJson(message.content) }).value;

  const orderId = asOrderId(rules.orderId(message, body));
  if (orderId === undefined) return { ok: false, reason: 'no_order_id', error: 'the message has no order id where --order-id looks' };
  const attributes: Record<string, AttributeValue> = { exchange, routing_key: routingKey };
  for (const [name, read] of rules.attributes) {
    const value = read(message, body);
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) attributes[name] = value as AttributeValue;
  }
  const event: OrderEventInput = {
    schema_version: ORDER_EVENT_SCHEMA_VERSION,
    event_id: messageEventId(message),
    order_id: orderId,
    source: rules.source,
    state: bindingOf(rules.bindings, exchange, routingKey)?.state ?? rules.bindings[0]!.state,
    occurred_at: occurredAt(message, now).toISOString(),
    ...traceIdsOf(message.properties.headers?.traceparent),
    attributes,
  };
  const verdict = validateOrderEvent(event, now);
  return verdict.ok ? { ok: true, event: verdict.event } : { ok: false, reason: 'invalid_event', error: verdict.error };
}

/** A UUID (version 5 layout, SHA-1 of the message's identity) that is the same for every copy of one message. */
export function messageEventId(message: ConsumeMessage): string {
  const { exchange, routingKey } = message.fields;
  const messageId = message.properties.messageId as unknown;
  const hash = createHash('sha1').update('orderscope-amqp-tap\u0000').update(exchange).update('\u0000').update(routingKey).update('\u0000');
  if (typeof messageId === 'string' && messageId !== '') hash.update('id\u0000').update(messageId);
  else hash.update('body\u0000').update(message.content);
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The message's AMQP timestamp (seconds), unless it is missing or implausible (in the future: a clock or unit error). */
function occurredAt(message: ConsumeMessage, now: Date): Date {
  const seconds = message.properties.timestamp as unknown;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return now;
  const at = new Date(seconds * 1000);
  return at.getTime() - now.getTime() > LIMITS.maxFutureSkewSeconds * 1000 ? now : at;
}

function parseJson(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch {
    return undefined;
  }
}

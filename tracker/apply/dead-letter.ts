import { createHash } from 'node:crypto';
import { readJson, type EventOrigin, type UnreadableMessage } from '../../bus';
import { describeError } from '../../common';
import { LIMITS, validateOrderEvent, type OrderEvent } from '../../events';
import type { DeadLetterReason, NewDeadLetter } from '../store';

/** The letter of an event that could not be applied: the event as the tracker received it. */
export function eventLetter(event: OrderEvent, origin: EventOrigin, reason: DeadLetterReason, error: unknown): NewDeadLetter {
  return {
    key: `event:${event.event_id.toLowerCase()}`,
    // JSON.stringify escapes what text cannot hold (NUL, lone surrogates), so the JSON is the event exactly.
    raw: Buffer.from(JSON.stringify(event), 'utf8'),
    eventId: event.event_id,
    orderId: event.order_id,
    reason,
    error: describeApplyError(error),
    origin,
  };
}

/**
 * The letter of a bus message that is not an order event: its bytes, exactly, and the order and
 * event it names when it names them in a form the store can hold (so that an operator can find the
 * order; anything else in it may be what made it unreadable).
 */
export function unreadableLetter(message: UnreadableMessage): NewDeadLetter {
  const { origin } = message;
  const named = namedIds(message.raw);
  return {
    key: 'publisher' in origin ? `message:${createHash('sha256').update(message.raw).digest('hex')}` : `${origin.topic}/${origin.partition}@${origin.offset}`,
    raw: message.raw,
    eventId: named.eventId,
    orderId: named.orderId,
    reason: message.reason,
    error: message.error,
    origin,
  };
}

const SAFE_ORDER_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${LIMITS.orderIdMaxLength}}$`);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The order_id and event_id of a JSON object, each only when it has the contract's form. */
function namedIds(raw: Buffer): { orderId: string | null; eventId: string | null } {
  const read = readJson(raw);
  const parsed = 'json' in read ? read.json : null;
  const { order_id: orderId, event_id: eventId } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  return {
    orderId: typeof orderId === 'string' && SAFE_ORDER_ID.test(orderId) ? orderId : null,
    eventId: typeof eventId === 'string' && UUID.test(eventId) ? eventId : null,
  };
}

/** An apply error in words, with the SQLSTATE when the database refused it (what to look up). */
export function describeApplyError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const detail = (err as { detail?: unknown } | null)?.detail;
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
  return `${describeError(err)}${sqlstate}${typeof detail === 'string' && detail ? `: ${detail}` : ''}`;
}

/**
 * Reads a letter back as an order event for a retry, under today's contract: JSON, then every rule
 * of validateOrderEvent. A letter that still breaks it says why, in the same words as the collector.
 */
export function readLetter(raw: Buffer, now: Date): { ok: true; event: OrderEvent } | { ok: false; reason: 'not_json' | 'invalid_event'; error: string } {
  const read = readJson(raw);
  if ('error' in read) return { ok: false, reason: 'not_json', error: read.error };
  const result = validateOrderEvent(read.json, now);
  return result.ok ? result : { ok: false, reason: 'invalid_event', error: `the message is not a valid order event: ${result.error}` };
}

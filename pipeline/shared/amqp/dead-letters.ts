/**
 * What a message in a dead-letter queue (`<queue>.dead`) says about itself, and how it goes back.
 * Pure, so that the rules are tested without a broker; the broker side is in `dead-letter-queue.ts`.
 */

const DEAD_SUFFIX = '.dead';
const RETRY_SUFFIX = '.retry';

/** The headers a dead letter carries that must not follow it back: RabbitMQ's death records and our reason. */
const DEATH_HEADERS = ['x-death', 'x-first-death-queue', 'x-first-death-reason', 'x-first-death-exchange', 'x-last-death-queue', 'x-last-death-reason', 'x-last-death-exchange'];
const DEAD_REASON = 'x-orderscope-dead-reason';
const DEAD_AT = 'x-orderscope-dead-at';
/** How often a message was moved back from its dead-letter queue. */
export const REDRIVE_COUNT = 'x-orderscope-redrives';

/** One dead letter, as `dlq list` shows it. */
export interface DeadLetter {
  /** The order id of the message's body, when it is JSON with one. */
  readonly order_id: string | null;
  readonly message_id: string | null;
  /** The work queue it goes back to. */
  readonly queue: string;
  /** Why it died: our consumer's reason, else RabbitMQ's (x-death). */
  readonly reason: string | null;
  readonly dead_at: string | null;
  /** How often it was moved back before. */
  readonly redrives: number;
}

/** The work queue a dead-letter queue belongs to; undefined when the name is not `<queue>.dead`. */
export function workQueueOfDead(deadQueue: string): string | undefined {
  return deadQueue.endsWith(DEAD_SUFFIX) && deadQueue.length > DEAD_SUFFIX.length ? deadQueue.slice(0, -DEAD_SUFFIX.length) : undefined;
}

interface XDeath {
  queue?: unknown;
  reason?: unknown;
}

/**
 * Where a dead letter came from: the newest `x-death` record of a work queue (not a retry or
 * dead-letter queue: a message that was retried carries those too), else the dead-letter queue's
 * own name without `.dead` (our consumer dead-letters a message that breaks its schema at once,
 * without any x-death).
 */
export function originalQueueOf(deadQueue: string, headers: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const deaths = headers?.['x-death'];
  if (Array.isArray(deaths)) {
    for (const death of deaths as XDeath[]) {
      const queue = death?.queue;
      if (typeof queue === 'string' && !queue.endsWith(RETRY_SUFFIX) && !queue.endsWith(DEAD_SUFFIX)) return queue;
    }
  }
  return workQueueOfDead(deadQueue);
}

/** Describes a dead letter from its body and properties. */
export function describeDeadLetter(deadQueue: string, content: Buffer, properties: { readonly headers?: Readonly<Record<string, unknown>>; readonly messageId?: unknown }): DeadLetter {
  const headers = properties.headers ?? {};
  const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as XDeath[]) : [];
  const ourReason = headers[DEAD_REASON];
  const brokerReason = deaths[0]?.reason;
  return {
    order_id: orderIdOf(content),
    message_id: typeof properties.messageId === 'string' ? properties.messageId : null,
    queue: originalQueueOf(deadQueue, headers) ?? deadQueue,
    reason: typeof ourReason === 'string' ? ourReason : typeof brokerReason === 'string' ? `RabbitMQ: ${brokerReason}` : null,
    dead_at: typeof headers[DEAD_AT] === 'string' ? (headers[DEAD_AT] as string) : null,
    redrives: Number(headers[REDRIVE_COUNT] ?? 0) || 0,
  };
}

/**
 * The headers a dead letter goes back with: without its death records (RabbitMQ's x-death counts
 * the attempts, and a message moved back must get every retry again, not be dead-lettered at its
 * first failure) and without the dead reason, with the redrive counted. Everything else (the trace's
 * `traceparent`, our own headers) stays.
 */
export function redriveHeaders(headers: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const kept = Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !DEATH_HEADERS.includes(name) && name !== DEAD_REASON && name !== DEAD_AT));
  return { ...kept, [REDRIVE_COUNT]: (Number(headers?.[REDRIVE_COUNT] ?? 0) || 0) + 1 };
}

function orderIdOf(content: Buffer): string | null {
  try {
    const body = JSON.parse(content.toString('utf8')) as { order_id?: unknown } | null;
    return typeof body?.order_id === 'string' ? body.order_id : null;
  } catch {
    return null;
  }
}

import { createHash } from 'node:crypto';
import type { TapBinding } from './bindings';

/** Messages the tap queue holds at most by default (while the tap is down or behind). */
export const DEFAULT_QUEUE_MAX_LENGTH = 100_000;

/**
 * A tap queue (and its overflow queue) nobody has consumed for this long is deleted by RabbitMQ: the
 * queue of a tap that was removed, or whose --bind changed (a new name), would otherwise keep taking
 * copies of every message for good. A week rides out any outage a tap is expected to come back from.
 */
export const QUEUE_EXPIRES_MS = 7 * 24 * 60 * 60 * 1000;

/** The overflow queue holds this many times the tap queue's length before it drops (uncounted) itself. */
export const OVERFLOW_LENGTH_FACTOR = 10;

/** How the tap's queues are declared: the tap queue and the queue its overflow is dead-lettered to. */
export interface TapQueuePlan {
  readonly queue: string;
  readonly queueArguments: Readonly<Record<string, unknown>>;
  readonly overflowQueue: string;
  readonly overflowArguments: Readonly<Record<string, unknown>>;
}

/**
 * The default name of a tap queue: `orderscope.tap.<source>.<hash>`, where the hash is of the
 * exchanges and binding keys tapped. Replicas of one tap (same --source, same --bind) share the queue
 * and split its messages; two taps that differ in what they bind never share one by accident (a
 * queue shared by taps of different bindings would hand each tap the other's messages). The states
 * the bindings give are left out: changing a state is no reason to lose the queue's backlog.
 */
export function defaultTapQueueName(source: string, bindings: readonly TapBinding[]): string {
  const bound = [...new Set(bindings.map((b) => `${b.exchange}\n${b.routingKey}`))].sort();
  const hash = createHash('sha256').update(bound.join('\n\n')).digest('hex').slice(0, 8);
  return `orderscope.tap.${source}.${hash}`;
}

/**
 * The tap queue is durable, named and shared (so messages published while the tap is down wait in
 * it), and bounded by `maxLength`: beyond it RabbitMQ drops the oldest message (drop-head) and
 * dead-letters it, through the default exchange, to `<queue>.overflow`, which the tap drains only to
 * count (RabbitMQ tells no consumer what it dropped otherwise). The overflow queue is bounded too, at
 * {@link OVERFLOW_LENGTH_FACTOR} times the tap queue's length, so a tap down for very long cannot fill
 * the broker's disk; only past that (ten queues' worth dropped while the tap was away) does the count
 * fall short.
 */
export function tapQueuePlan(queue: string, maxLength: number): TapQueuePlan {
  const overflowQueue = `${queue}.overflow`;
  return {
    queue,
    queueArguments: {
      'x-max-length': maxLength,
      'x-overflow': 'drop-head',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': overflowQueue,
      'x-expires': QUEUE_EXPIRES_MS,
    },
    overflowQueue,
    overflowArguments: { 'x-max-length': maxLength * OVERFLOW_LENGTH_FACTOR, 'x-overflow': 'drop-head', 'x-expires': QUEUE_EXPIRES_MS },
  };
}

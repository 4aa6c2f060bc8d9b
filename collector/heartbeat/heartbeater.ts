import type { EventPublisher } from '../../bus';
import type { Logger } from '../../common';
import { heartbeatEvent } from '../../events';
import type { CollectorMetrics } from '../metrics';

export interface HeartbeaterOptions {
  readonly bus: EventPublisher;
  /** The heartbeat order ids, one per partition of the topic (a single one on the in-process bus). */
  readonly orderIds: readonly string[];
  /** Milliseconds between rounds; 0 disables heartbeats. */
  readonly intervalMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  readonly metrics: Pick<CollectorMetrics, 'heartbeats'>;
}

export interface Heartbeater {
  /** Publishes one round now and then every interval. Calling it again does nothing. */
  start(): void;
  /** Publishes one round of heartbeats (one per id); never rejects: a failure is logged and counted. */
  beat(): Promise<void>;
  /** Stops the interval and waits for the round in flight. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The collector's heartbeats. They are published straight to the bus, not through the HTTP
 * ingest: they are the collector's own events, so no token's source check applies to them. A
 * round is skipped while the previous one is still waiting for the bus, so that a stalled bus does
 * not pile them up.
 */
export function createHeartbeater(options: HeartbeaterOptions): Heartbeater {
  const { bus, orderIds, intervalMs, now, logger, metrics } = options;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  const beat = (): Promise<void> =>
    (inFlight ??= (async () => {
      try {
        const at = now();
        await bus.publish(orderIds.map((id) => heartbeatEvent(id, at)));
        metrics.heartbeats.inc({ outcome: 'published' });
      } catch (err) {
        metrics.heartbeats.inc({ outcome: 'failed' });
        logger.warn({ err, partitions: orderIds.length }, 'could not publish the heartbeats; trying again at the next interval');
      } finally {
        inFlight = undefined;
      }
    })());

  return {
    start() {
      if (closed || timer || intervalMs === 0) return;
      void beat();
      timer = setInterval(() => void beat(), intervalMs);
      timer.unref();
    },
    beat,
    async close() {
      closed = true;
      clearInterval(timer);
      timer = undefined;
      await inFlight;
    },
  };
}

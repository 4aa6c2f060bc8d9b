import { mkdirSync } from 'node:fs';
import { CollectorClient } from '../collector-client';
import type { OrderEventInput } from '../../../events';
import { type Logger, Spool } from '../../../common';
import type { AgentMetrics } from '../metrics';
import { EventSender, type EventSenderOptions } from './event-sender';

export interface SpoolingSenderOptions extends Omit<EventSenderOptions, 'transport' | 'spool' | 'metrics' | 'logger'> {
  collectorUrl: string;
  token: string;
  spoolDir: string;
  spoolMaxBytes: number;
  /** Timeout of one request to the collector. Default 10 s. */
  requestTimeoutMs?: number;
  metrics: AgentMetrics;
  logger: Logger;
}

/**
 * The sender of the SDK and of the AMQP tap: a {@link CollectorClient} that makes one attempt per
 * call (the sender owns retrying, so that a failed batch reaches the disk at once) and a spool.
 * The sender exists at once: the spool directory is made here (throwing when it cannot be), and
 * the spool opens (locks the directory) in the background; {@link EventSender.ready} rejects when it
 * cannot (the directory in use by another live process).
 */
export function createSpoolingSender(options: SpoolingSenderOptions): EventSender {
  const { collectorUrl, token, spoolDir, spoolMaxBytes, requestTimeoutMs, ...senderOptions } = options;
  // At once, so that an unwritable directory throws here, at deploy time.
  mkdirSync(spoolDir, { recursive: true });
  const spool = Spool.open<OrderEventInput>({
    dir: spoolDir,
    maxBytes: spoolMaxBytes,
    inUseHint: 'give every agent process its own spool directory (the spoolDir option, --spool-dir or ORDERSCOPE_AGENT_SPOOL_DIR)',
  });
  const transport = new CollectorClient({ url: collectorUrl, token, timeoutMs: requestTimeoutMs ?? 10_000, retry: { retries: 0 } });
  return new EventSender({ ...senderOptions, transport, spool });
}

import type { Agent } from '../../agents/node';
import type { Logger } from '../../common';
import type { ServiceConfig, ServiceName } from '../config/service-config';
import type { ServiceCrash } from '../shared/errors';

/** What a service is started with. */
export interface ServiceContext<S extends ServiceName> {
  readonly config: ServiceConfig<S>;
  /** The orderscope agent, started before anything that it instruments was loaded. */
  readonly agent: Agent;
  /** Stops the process (exit 1) after a graceful close: for failures it must not go on after. */
  readonly onFatal: (err: ServiceCrash) => void;
}

/** A started service. */
export interface RunningService {
  /** Where it serves HTTP (the worker: its metrics and health endpoints). */
  readonly url: string;
  /** Stops taking work, finishes what is in flight and releases connections. Safe to call twice. */
  close(): Promise<void>;
}

export type ServiceStarter<S extends ServiceName> = (context: ServiceContext<S>) => Promise<RunningService>;

/**
 * Runs closers in order (each one once), logging a failure and going on with the next: a stuck
 * RabbitMQ close must not keep the database pool open.
 */
export function closeInOrder(logger: Logger, closers: readonly [string, () => Promise<unknown>][]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      for (const [what, close] of closers) {
        await close().catch((err: unknown) => logger.warn({ err }, `closing ${what} failed`));
      }
    })());
}

import { periodic, type Periodic } from '../../common';
import { removeGoneInstances, type Db } from '../store';

/** How often a tracker looks for instances gone for good: their rows wait a retention (a day by default) anyway. */
export const INSTANCE_CLEANUP_INTERVAL_MS = 3_600_000;

export interface InstanceCleanupOptions {
  readonly db: Db;
  /** This process's own instance, never removed. */
  readonly instance: string;
  /** How long after its lease expired an instance that nobody held since is removed (tracker.instanceRetentionMs). */
  readonly retentionMs: number;
  readonly intervalMs?: number;
  /** The clock the lease times are written in, ms (the lease's own). */
  readonly now?: () => number;
  /** Called with the names removed by a run, when there are any. */
  readonly onRemoved: (instances: readonly string[]) => void;
  readonly onError: (err: unknown) => void;
}

/**
 * The periodic removal of tracker instances that never came back: a tracker restarted under a new
 * name (a Kubernetes Deployment's pod gets a new host name, the default name) leaves its lease row
 * and its duration-histogram totals behind, one set per restart, for good. Every live tracker runs it
 * hourly; see {@link removeGoneInstances} for why that is safe.
 *
 * The retention is long (a day) so that a tracker down for a while, under a name it keeps, finds its
 * totals again, and so that Prometheus has long marked the removed instance's series stale.
 */
export function createInstanceCleanup(options: InstanceCleanupOptions): Periodic<readonly string[]> {
  const now = options.now ?? Date.now;
  return periodic({
    intervalMs: options.intervalMs ?? INSTANCE_CLEANUP_INTERVAL_MS,
    // Not at start: nothing is urgent (the rows waited a day), and a start is busy enough.
    firstRunAfterInterval: true,
    run: async () => {
      const at = now();
      const removed = await removeGoneInstances(options.db, at - options.retentionMs, at, options.instance);
      if (removed.length > 0) options.onRemoved(removed);
      return removed;
    },
    onError: options.onError,
  });
}

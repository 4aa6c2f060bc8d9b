import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sleep, ConfigError, OrderscopeError, isRetriable } from '../../common';
import { checkLeaseHolder, releaseLease, renewLease, takeLease, type Db, type LeaseClaim, type LeaseHolder, type Sql } from '../store';

/**
 * Refused: another process holds this tracker instance. Retriable, because the batch is fine: it is
 * applied once this process holds the instance again (or by the process that does).
 */
export class InstanceTakenError extends OrderscopeError {
  constructor(message: string) {
    super(message, { code: 'instance_taken', retriable: true });
  }
}

export interface InstanceLeaseOptions {
  readonly db: Db;
  /** The instance name (tracker.instance). */
  readonly instance: string;
  /** How long the lease lasts unless renewed (tracker.instanceLeaseTtlMs). */
  readonly ttlMs: number;
  /** How often it is renewed, and how often a waiting process tries again (tracker.instanceLeaseRenewMs). */
  readonly renewMs: number;
  /** How long {@link InstanceLease.acquire} waits while another live process holds it (tracker.instanceLeaseWaitMs). */
  readonly waitMs: number;
  /** The clock the lease times are written and compared in, ms. */
  readonly now?: () => number;
  /** Called once when acquire finds the instance held by a live process and starts waiting. */
  readonly onWait?: (by: LeaseHolder) => void;
  /** Called when this process finds that another one took the instance over (by a renewal or an apply). */
  readonly onLost?: (by: LeaseHolder | undefined) => void;
  /** Called when this process holds the instance again, after it had lost it. */
  readonly onRegained?: () => void;
  /** Called with each failed renewal (the database unreachable, say); the next one is a renewal interval later. */
  readonly onError?: (err: unknown) => void;
}

/**
 * The lease of a tracker instance name: at most one live process holds it, and only the holder
 * exports the instance's duration histograms and adds to its totals in the store.
 *
 * - {@link acquire} takes it at start, waiting (up to `waitMs`) while another live process holds it:
 *   a process that was killed without giving it up lets it expire within `ttlMs`.
 * - A timer (unref'd) renews it every `renewMs`. A renewal that finds it taken over makes the process
 *   a non-holder ({@link held} false, `onLost`); the timer then tries to take it back every `renewMs`,
 *   which succeeds once the other holder's lease has expired.
 * - {@link guard} makes every transaction of a `Db` check, first thing and under a row lock, that this
 *   process still holds the instance. This is what keeps a process that lost the lease from adding to
 *   the instance's totals: a check inside the apply transaction is exact whatever the timers and the
 *   clocks do, where stopping on a failed renewal would leave a window of one renewal interval. The
 *   lock (FOR KEY SHARE) is shared by the holder's concurrent applies and makes a takeover wait for
 *   them, so a successor never reads the totals while a predecessor's apply is still to commit.
 *
 * Expiry compares the `now` of the process taking over with the `now` of the one that renewed: clock
 * skew between hosts shifts when a takeover can happen, never whether two processes add to one
 * instance (the guard decides that, in the database).
 */
export interface InstanceLease {
  /** Takes the lease, waiting while another live process holds it; then keeps it renewed. Rejects with a ConfigError naming tracker.instance when the wait runs out. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** True while this process holds the lease (as of its last renewal, or the last apply that checked). */
  readonly held: boolean;
  /** `db` whose transactions first check that this process holds the lease, and throw {@link InstanceTakenError} when it does not. */
  guard(db: Db): Db;
  /** Stops renewing and gives the lease up, so that a successor takes it at once. Safe to call twice. */
  release(): Promise<void>;
}

export function createInstanceLease(options: InstanceLeaseOptions): InstanceLease {
  const { db, instance, ttlMs, renewMs, waitMs } = options;
  const now = options.now ?? Date.now;
  const claim: LeaseClaim = { instance, holder: randomUUID(), host: hostname(), pid: process.pid };
  let held = false;
  let acquired = false;
  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<void> | undefined;
  let releasing: Promise<void> | undefined;

  const lost = (by: LeaseHolder | undefined) => {
    if (!held) return;
    held = false;
    options.onLost?.(by);
  };

  const take = async (): Promise<{ taken: true } | { taken: false; by: LeaseHolder | undefined }> => {
    const at = now();
    return takeLease(db, claim, at, at + ttlMs);
  };

  const renewOrRetake = async (): Promise<void> => {
    try {
      if (held) {
        if (!(await renewLease(db, claim, now() + ttlMs))) {
          const by = await db.transaction((tx) => checkLeaseHolder(tx, instance));
          lost(by);
        }
      } else if ((await take()).taken && !releasing) {
        held = true;
        options.onRegained?.();
      }
    } catch (err) {
      options.onError?.(err);
    }
  };

  return {
    get held() {
      return held;
    },

    async acquire(signal?: AbortSignal): Promise<void> {
      if (acquired) throw new Error('the instance lease is acquired once');
      acquired = true;
      let waited = 0;
      let announced = false;
      for (;;) {
        let by: LeaseHolder | undefined;
        try {
          const result = await take();
          if (result.taken) break;
          by = result.by;
        } catch (err) {
          if (!isRetriable(err)) throw err;
        }
        if (by && !announced) {
          announced = true;
          options.onWait?.(by);
        }
        if (waited >= waitMs) {
          throw new ConfigError(
            `tracker instance "${instance}" is held by another live process${by ? ` (${describeHolder(by)})` : ''}, still after ${waitMs} ms: ` +
              'if it is another replica, give each process its own stable name with tracker.instance (ORDERSCOPE_TRACKER_INSTANCE); ' +
              'if it is this process\'s predecessor, stop it first, or wait longer (tracker.instanceLeaseWaitMs)',
          );
        }
        const pause = Math.min(renewMs, waitMs - waited);
        await sleep(pause, signal);
        waited += pause;
      }
      held = true;
      timer = setInterval(() => {
        tick ??= renewOrRetake().finally(() => {
          tick = undefined;
        });
      }, renewMs);
      timer.unref();
    },

    guard(inner: Db): Db {
      return {
        description: inner.description,
        query: (text, params) => inner.query(text, params),
        exec: (script) => inner.exec(script),
        close: () => inner.close(),
        transaction: <T>(fn: (tx: Sql) => Promise<T>) =>
          inner.transaction(async (tx) => {
            const holder = await checkLeaseHolder(tx, instance);
            if (holder?.holder !== claim.holder) {
              lost(holder);
              throw new InstanceTakenError(
                `tracker instance "${instance}" is held by another process${holder ? ` (${describeHolder(holder)})` : ''}; ` +
                  'this one applies no batch and exports none of its histograms until it holds it again. ' +
                  'Give each process its own tracker.instance (ORDERSCOPE_TRACKER_INSTANCE)',
              );
            }
            return fn(tx);
          }),
      };
    },

    release: () =>
      (releasing ??= (async () => {
        if (timer) clearInterval(timer);
        await tick;
        if (!held) return;
        held = false;
        await releaseLease(db, claim, now());
      })()),
  };
}

/** host, pid and expiry of a holder, for messages. */
export function describeHolder(by: LeaseHolder): string {
  return `host ${by.host}, pid ${by.pid}, lease until ${new Date(by.expiresAt / 1000).toISOString()}`;
}

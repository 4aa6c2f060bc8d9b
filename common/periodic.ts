/** A piece of work run now and then again an interval after each run ends; see {@link periodic}. */
export interface Periodic<T> {
  /**
   * Runs now (or an interval from now, with `firstRunAfterInterval`), then every interval after the
   * end of the previous run (the timer does not keep the process alive). Once.
   */
  start(): void;
  /** Runs now: runs never overlap, one asked for while another runs starts after it. */
  runNow(): Promise<T>;
  /** Stops the timer and waits for the run in progress. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * One home for the "every interval, never overlapping" loop (the lost-order sweeper, the
 * reconciliation job). A failed timed run goes to `onError`; the next one is an interval later.
 */
export function periodic<T>(options: { intervalMs: number; run: () => Promise<T>; onError: (err: unknown) => void; firstRunAfterInterval?: boolean }): Periodic<T> {
  let queue: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let closing: Promise<void> | undefined;

  const runNow = (): Promise<T> => {
    const run = queue.then(options.run, options.run);
    queue = run.catch(() => undefined);
    return run;
  };

  const tick = (): void => {
    timer = undefined;
    runNow()
      .catch(options.onError)
      .finally(() => {
        if (closing) return;
        timer = setTimeout(tick, options.intervalMs);
        timer.unref();
      });
  };

  return {
    start() {
      if (started || closing) return;
      started = true;
      if (!options.firstRunAfterInterval) return tick();
      timer = setTimeout(tick, options.intervalMs);
      timer.unref();
    },
    runNow,
    close: () =>
      (closing ??= (async () => {
        clearTimeout(timer);
        await queue;
        // A tick that was running re-armed nothing (closing was set), but clear again to be sure.
        clearTimeout(timer);
      })()),
  };
}

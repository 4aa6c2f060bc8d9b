import { setTimeout } from 'node:timers/promises';

/**
 * Waits `ms` and keeps the process alive meanwhile: what the benchmarks' polling loops wait with.
 * common's `sleep` does not keep it alive (its timer is unref'd, so that a service's retry never
 * holds up its exit), and a loop that polled a child that had died then had nothing left to run
 * on: the bench exited with code 0, without its error and without dropping its database and topic.
 */
export function pause(ms: number): Promise<void> {
  return setTimeout(ms);
}

import type { Logger } from '../../common';

/**
 * Logs a warning at most once per interval and key, with the number of repeats it held back.
 * The agent runs inside someone else's process: a bug that hits every request must show up in
 * its log, not flood it. The counters, not the log, carry the exact numbers.
 */
export class ThrottledWarning {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger.warn(seen?.suppressed ? { ...fields, suppressed: seen.suppressed } : fields, message);
  }
}

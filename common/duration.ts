/** Durations as people write them in config: `500ms`, `30s`, `5m`, `2h`, `1d`, `1w`, or combined `1h30m`. */

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;

/**
 * Parses a duration into seconds. Returns an error message (not a throw) so callers can prefix it
 * with where the value came from.
 */
export function parseDuration(text: string): { seconds: number } | { error: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('-')) return { error: `"${text}" is negative; durations must be positive` };
  if (!WHOLE.test(trimmed)) {
    return { error: `"${text}" is not a duration (write a number and a unit: 500ms, 30s, 5m, 2h, 1d, 1w, or 1h30m)` };
  }
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) seconds += Number(amount) * UNIT_SECONDS[unit as string]!;
  return { seconds: Math.round(seconds * 1000) / 1000 };
}

/** Formats seconds the way they are written in config, largest units first: 5400 -> "1h30m". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  let rest = Math.round(seconds);
  let out = '';
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/*
 * The few Go formatting functions of Prometheus' alert templates that the generated annotations use,
 * so that the promtool tests can state the exact text an alert must carry. Only what the
 * annotations need; checked against promtool by the tests themselves.
 */

/** Go's `fmt.Sprintf("%.4g", v)` for finite numbers not exactly halfway between two results (Go rounds those to even). */
export function formatG4(v: number): string {
  if (v === 0) return '0';
  const [mantissa, exponentText] = v.toExponential(3).split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 4) {
    const m = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    return `${m}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(4)));
}

/** Prometheus' `humanizePercentage`: 0.1234 -> "12.34%". */
export function humanizePercentage(v: number): string {
  return `${formatG4(v * 100)}%`;
}

/** Prometheus' `humanizeDuration`: 119.4 -> "1m 59s", 0.25 -> "250ms". */
export function humanizeDuration(v: number): string {
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const total = Math.trunc(Math.abs(v));
    const seconds = total % 60;
    const minutes = Math.floor(total / 60) % 60;
    const hours = Math.floor(total / 3600) % 24;
    const days = Math.floor(total / 86_400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${formatG4(Math.abs(v))}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${formatG4(v)}${prefix}s`;
}

/** Go's `printf "%.0f"` (for values that are not halfway between two integers). */
export function printfWhole(v: number): string {
  return v.toFixed(0);
}

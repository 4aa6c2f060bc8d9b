import { formatDuration } from '../common';

/** A label matcher: a plain string matches exactly (`=`), `{ re }` matches a whole-string regex (`=~`). */
export type Matcher = string | { readonly re: string };

/** A PromQL string literal (Go escaping, which JSON's is a subset of for these characters). */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** A series selector, e.g. `selector('up', { job: { re: 'a|b' } })` is `up{job=~"a|b"}`. Labels keep the given order. */
export function selector(name: string, matchers: Readonly<Record<string, Matcher>> = {}): string {
  const parts = Object.entries(matchers).map(([label, m]) => (typeof m === 'string' ? `${label}=${quote(m)}` : `${label}=~${quote(m.re)}`));
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}

/** A duration as PromQL and Prometheus' config write it: 300 -> "5m", 5400 -> "1h30m". */
export function promDuration(seconds: number): string {
  return formatDuration(seconds);
}

/**
 * The `le` label value of a histogram bucket as prom-client renders it (JavaScript's number to
 * string: 300 -> "300", 0.5 -> "0.5"). Prometheus 2.x keeps the scraped text as is, so a rule must
 * match it exactly. (Prometheus 3 normalises it to "300.0"; see alerts/README.md.)
 */
export function leValue(bound: number): string {
  return String(bound);
}

/** A number as PromQL reads it, without float noise: 1 - 0.99 -> 0.01. */
export function promNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/**
 * A histogram series net of its retracted twin, summed into one sample without labels:
 * `sum(f(observed)) - (sum(f(retracted)) or vector(0))`, where `f` is e.g. a rate over a window.
 * The tracker observes a stay into `observed` when it is stored and into the `_retracted` twin when a
 * late event rewrites it, so the difference is the stays as stored. `or vector(0)`: a source that
 * exports no twin (or a test that feeds none) must still give a value, not an absent one, which would
 * silence what reads it. Labels are dropped, so each rule adds its own (e.g. its state).
 */
export function netSum(observed: string, retracted: string, f: (series: string) => string): string {
  return `(sum(${f(observed)}) - (sum(${f(retracted)}) or vector(0)))`;
}

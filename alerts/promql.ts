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
 * string: 300 -> "300", 0.5 -> "0.5"), which Prometheus 2 stores as scraped.
 */
export function leValue(bound: number): string {
  return String(bound);
}

/**
 * The `le` label value of a histogram bucket as Prometheus 3 stores it, whatever the exposition
 * said: it parses the bound and writes it back as OpenMetrics does (Prometheus'
 * `FormatOpenMetricsFloat`: Go's shortest `%g`, then ".0" when that has neither "." nor "e"), so
 * 300 -> "300.0", 0.5 -> "0.5", 2592000 -> "2.592e+06", 0.00001 -> "1e-05".
 */
export function openMetricsLeValue(bound: number): string {
  if (bound === Infinity) return '+Inf';
  if (bound === -Infinity) return '-Inf';
  if (Number.isNaN(bound)) return 'NaN';
  const text = goShortestG(bound);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/**
 * Go's `strconv.FormatFloat(v, 'g', -1, 64)` for a finite number: the shortest digits that read back
 * as `v` (JavaScript's are the same), in exponent form when the decimal exponent is below -4 or at
 * least 6 (Go's threshold for the shortest precision), with a sign and at least two exponent digits.
 */
function goShortestG(v: number): string {
  const [mantissa, exponentText] = v.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return String(v);
}

/**
 * The matcher of the bucket at `bound`, right on Prometheus 2 and 3 alike: Prometheus 2 keeps `le`
 * as prom-client wrote it ("300"), Prometheus 3 rewrites it on ingestion ("300.0"; see its migration
 * guide, "le and quantile label values"), and a rule that matched one spelling would find no bucket
 * on the other. Where the two differ, a regex of exactly both spellings (`le=~"300|300\\.0"`); where
 * they agree (0.5), the plain value.
 */
export function leMatcher(bound: number): Matcher {
  const spellings = [...new Set([leValue(bound), openMetricsLeValue(bound)])];
  return spellings.length === 1 ? spellings[0]! : { re: spellings.map(escapeRegex).join('|') };
}

/** `text` as a regex (RE2, as Prometheus reads it) that matches exactly that text. */
function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
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

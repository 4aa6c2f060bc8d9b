import type { ProcessModel } from '../../events';
import { leValue, openMetricsLeValue } from '../promql';

/** A label matcher on `le` as written in a PromQL expression: its operator and its value, unescaped. */
export interface LeMatcher {
  readonly op: '=' | '=~';
  readonly value: string;
}

/** Every matcher on `le` in a PromQL expression (`le="300"`, `le=~"300|300\\.0"`). */
export function leMatchersIn(expr: string): LeMatcher[] {
  return [...expr.matchAll(/\ble(=~|=)("(?:[^"\\]|\\.)*")/g)].map((m) => ({ op: m[1] as LeMatcher['op'], value: JSON.parse(m[2]!) as string }));
}

/** Whether `m` selects a series whose `le` is `text`, as Prometheus decides (a regex must match the whole value). */
export function selects(m: LeMatcher, text: string): boolean {
  return m.op === '=' ? m.value === text : new RegExp(`^(?:${m.value})$`).test(text);
}

/**
 * The bucket bounds of the tracker's time-in-state histogram for `model` that `m` selects both as
 * Prometheus 2 stores them (as prom-client wrote them, "300") and as Prometheus 3 does ("300.0").
 * Empty when the matcher would miss its bucket on one of the two.
 */
export function boundsSelectedOnBoth(model: ProcessModel, m: LeMatcher): number[] {
  return model.durationBuckets().filter((b) => selects(m, leValue(b)) && selects(m, openMetricsLeValue(b)));
}

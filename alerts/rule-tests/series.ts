import { formatDuration } from '../../common';
import { promNumber, selector } from '../promql';
import type { AlertTest, ExpectedAlert, InputSeries } from './types';

/*
 * Building blocks of the generated promtool tests. Time is counted in steps of the evaluation
 * interval, which is also the sampling interval of every input series.
 */

/** A series with the given labels (kept in the given order). */
export function series(name: string, labels: Readonly<Record<string, string>>, values: string): InputSeries {
  return { series: selector(name, labels), values };
}

/** `steps + 1` samples from `start`, growing by `perStep`: a counter at a constant rate. */
export function ramp(perStep: number, steps: number, start = 0): string {
  return `${promNumber(start)}+${promNumber(perStep)}x${steps}`;
}

/** `steps + 1` samples of `value`. */
export function flat(value: number, steps: number): string {
  return `${promNumber(value)}+0x${steps}`;
}

/** `value` for samples 0..firstStep-1, then `then` up to `lastStep`: a step change at `firstStep`. */
export function stepAt(firstStep: number, lastStep: number, before: number, after: number): string {
  return `${flat(before, firstStep - 1)} ${flat(after, lastStep - firstStep)}`;
}

/** An alert test at `step` steps of `interval` seconds. */
export function alertTest(step: number, interval: number, alertname: string, expected: readonly ExpectedAlert[]): AlertTest {
  return { eval_time: formatDuration(step * interval), alertname, exp_alerts: expected };
}

/** How many whole steps of `interval` cover `seconds`. */
export function stepsOf(seconds: number, interval: number): number {
  return Math.ceil(seconds / interval - 1e-9);
}

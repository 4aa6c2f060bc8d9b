/**
 * Round durations, in seconds, the way people group waiting times, about 1.5x apart: 1s 2s 3s 5s 10s
 * 15s 20s 30s 45s, 1m 1m30s 2m 3m 5m 10m 15m 20m 30m 45m, 1h 1h30m 2h 3h 4h 6h 8h 12h, 1d 1d12h 2d 3d
 * 4d 5d, 7d 10d 14d 21d, 30d 45d 60d 90d 180d 365d. The lead-time histogram's bin bounds: every edge
 * reads as a plain duration, and bins are narrow enough to show the shape of any week (lead times of
 * seconds in the demo, of days in production).
 */
export const DURATION_LADDER: readonly number[] = [
  1, 2, 3, 5, 10, 15, 20, 30, 45,
  60, 90, 120, 180, 300, 600, 900, 1200, 1800, 2700,
  3600, 5400, 7200, 10_800, 14_400, 21_600, 28_800, 43_200,
  86_400, 129_600, 172_800, 259_200, 345_600, 432_000,
  604_800, 864_000, 1_209_600, 1_814_400,
  2_592_000, 3_888_000, 5_184_000, 7_776_000, 15_552_000, 31_536_000,
];

/** Steps of a duration axis: their multiples read as round durations (6h 12h 18h 1d, not 8h 16h 1d8h). */
const TICK_STEPS: readonly number[] = [
  1, 2, 5, 10, 15, 30,
  60, 120, 300, 600, 900, 1800,
  3600, 7200, 10_800, 21_600, 43_200,
  86_400, 172_800, 604_800, 1_209_600, 2_592_000, 7_776_000, 31_536_000,
];

/**
 * Axis ticks for durations from 0 to at least `max`: 0 and multiples of one round step, about `count`
 * of them, the last one >= max.
 */
export function durationTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const step = TICK_STEPS.find((s) => s * count >= max) ?? Math.ceil(max / count / 31_536_000) * 31_536_000;
  const ticks = [0];
  while (ticks[ticks.length - 1]! < max) ticks.push(ticks.length * step);
  return ticks;
}

/** Axis ticks for counts from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten. */
export function countTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks = [0];
  while (ticks[ticks.length - 1]! < max) ticks.push(Math.round(ticks.length * step * 1e9) / 1e9);
  return ticks;
}

/**
 * The largest of `values`, or `floor` when none is larger (so an empty list gives `floor`). A loop, not
 * `Math.max(...values)`: a spread puts every value on the call stack as an argument, and a long list
 * (a chart of many days) overflows it ("Maximum call stack size exceeded").
 */
export function largest(values: Iterable<number>, floor: number): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}

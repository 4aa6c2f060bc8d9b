/**
 * A small, fast, seedable random generator (mulberry32), so that a "random" test replays exactly from
 * its seed: `next()` in [0, 1), `int(n)` in [0, n), `pick(items)`, `chance(p)`.
 */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
export type SeededRandom = ReturnType<typeof seededRandom>;

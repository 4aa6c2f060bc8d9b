/** `--name N` from a benchmark's arguments, a positive whole number, or `fallback` when absent. */
export function flag(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: "${args[i + 1] ?? ''}" is not a positive whole number`);
  return value;
}

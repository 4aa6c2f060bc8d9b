import { KAFKA_CLIENTS, type KafkaClient } from '../../common';

/** A benchmark's arguments are wrong: bench/run.ts prints the message and the benchmark's usage, without a stack. */
export class UsageError extends Error {}

/** A flag the benchmark's usage does not name is a typo: refused, rather than run with a default the caller did not mean. */
export function refuseUnknownFlags(args: readonly string[], usage: string): void {
  const known = new Set(usage.match(/--[a-z-]+/g));
  const unknown = args.filter((a) => a.startsWith('--') && !known.has(a));
  if (unknown.length > 0) throw new UsageError(`${unknown.join(', ')}: not an argument it takes`);
}

/** `--name N` from a benchmark's arguments, a positive whole number, or `fallback` when absent. */
export function flag(args: readonly string[], name: string, fallback: number): number {
  return numberOf(args, name, fallback, (n) => Number.isInteger(n) && n >= 1, 'a positive whole number');
}

/** `--name N` from a benchmark's arguments, a positive number (seconds may have fractions), or `fallback` when absent. */
export function positiveNumber(args: readonly string[], name: string, fallback: number): number {
  return numberOf(args, name, fallback, (n) => Number.isFinite(n) && n > 0, 'a positive number');
}

/** The number after `name`, refused unless `accepted` (Number('') is 0: nothing after the flag is refused too). */
function numberOf(args: readonly string[], name: string, fallback: number, accepted: (n: number) => boolean, what: string): number {
  const given = valueOf(args, name);
  if (given === undefined) return fallback;
  const value = Number(given);
  if (given.trim() === '' || !accepted(value)) throw new UsageError(`${name}: "${given}" is not ${what}`);
  return value;
}

/** `--name VALUE` from a benchmark's arguments (a path, a name), or undefined when absent. */
export function text(args: readonly string[], name: string): string | undefined {
  const given = valueOf(args, name);
  if (given === '' || given?.startsWith('--')) throw new UsageError(`${name} needs a value, e.g. ${name} /tmp/out`);
  return given;
}

/** `--name one|other` from a benchmark's arguments, one of `choices`, or `fallback` when absent. */
export function choice<C extends string>(args: readonly string[], name: string, choices: readonly C[], fallback: C): C {
  const given = valueOf(args, name);
  if (given === undefined) return fallback;
  if ((choices as readonly string[]).includes(given)) return given as C;
  throw new UsageError(`${name}: "${given}" is not ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)!}`);
}

/** What follows `name` in `args`: undefined when `name` is absent, '' when nothing follows it. */
function valueOf(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : (args[i + 1] ?? '');
}

/**
 * The Kafka clients a bus benchmark measures, from `--client kafkajs|platformatic|both` (both when
 * absent: the two are compared in one run, on the same machine state), and the arguments without it.
 */
export function kafkaClients(args: readonly string[]): { clients: KafkaClient[]; rest: string[] } {
  const i = args.indexOf('--client');
  if (i < 0) return { clients: [...KAFKA_CLIENTS], rest: [...args] };
  const value = args[i + 1] ?? '';
  const clients = value === 'both' ? [...KAFKA_CLIENTS] : KAFKA_CLIENTS.filter((c) => c === value);
  if (clients.length === 0) throw new UsageError(`--client: "${value}" is not one of ${KAFKA_CLIENTS.join(', ')} or both`);
  return { clients, rest: [...args.slice(0, i), ...args.slice(i + 2)] };
}

import { KAFKA_CLIENTS, type KafkaClient } from '../../common';

/** `--name N` from a benchmark's arguments, a positive whole number, or `fallback` when absent. */
export function flag(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: "${args[i + 1] ?? ''}" is not a positive whole number`);
  return value;
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
  if (clients.length === 0) throw new Error(`--client: "${value}" is not one of ${KAFKA_CLIENTS.join(', ')} or both`);
  return { clients, rest: [...args.slice(0, i), ...args.slice(i + 2)] };
}

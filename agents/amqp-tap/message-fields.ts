import type { ConsumeMessage } from 'amqplib';
import { ConfigError } from '../../common';
import { compileJsonPath } from './json-path';

/** Reads one value from a message: a header, or a JSON path into the body. */
export type FieldReader = (message: ConsumeMessage, body: () => unknown) => unknown;

/**
 * Parses `header:<name>` or `json:<path>` (e.g. `header:x-order-id`, `json:$.order.id`). `what`
 * names the flag in errors.
 */
export function parseFieldReader(spec: string, what: string): FieldReader {
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon);
  const arg = spec.slice(colon + 1);
  if (colon > 0 && kind === 'header' && arg !== '') {
    return (message) => {
      const value = (message.properties.headers ?? {})[arg] as unknown;
      return Buffer.isBuffer(value) ? value.toString('utf8') : value;
    };
  }
  if (colon > 0 && kind === 'json') {
    const read = compileJsonPath(arg);
    return (_message, body) => read(body());
  }
  throw new ConfigError(`${what}: "${spec}" is neither header:<name> nor json:<path> (e.g. header:x-order-id or json:$.order.id)`);
}

/** A value as an order id: strings as they are, whole numbers as digits, anything else none. */
export function asOrderId(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}

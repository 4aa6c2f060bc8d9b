import { createHash } from 'node:crypto';
import type { PartSpec } from '../../shared/messages';

/**
 * JSON with object keys sorted at every level: the same value always gives the same text, whatever
 * order its keys were written in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The identity of a part for pricing: SHA-256 (hex) of its canonical spec. The spec is the parsed one
 * (defaults filled in), so `finish` left out and `finish: "none"` are the same part. The quantity is
 * not part of it: a part costs the same per piece whoever orders how many.
 */
export function partKey(part: PartSpec): string {
  return createHash('sha256').update(canonicalJson(part)).digest('hex');
}

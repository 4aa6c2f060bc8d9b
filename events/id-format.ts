/**
 * The contract's id formats read character by character: event_id (zod's UUID pattern) and the
 * W3C trace and span ids. The patterns cost the plain reading of every event about 0.15 µs each
 * (bench/contract.ts), on every event the collector takes in and every event a tracker reads from
 * the bus; the schema keeps the patterns, and the test holds these readings to them.
 */

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/**
 * What `z.uuid()` accepts: 8-4-4-4-12 hex digits in either case, with a version from 1 to 8 and the
 * RFC 9562 variant (8, 9, a or b), or the nil and max UUIDs in lower case.
 */
export function isUuid(value: string): boolean {
  if (value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23 ? code !== 45 /* - */ : !isHexDigit(code)) return false;
  }
  const version = value.charCodeAt(14);
  const variant = value.charCodeAt(19) | 0x20; // lower case
  if (version >= 49 && version <= 56 && (variant === 56 || variant === 57 || variant === 97 || variant === 98)) return true;
  return value === NIL_UUID || value === MAX_UUID;
}

/** `length` lower-case hex digits, not all of them zero: a W3C trace id (32) or span id (16). */
export function isW3cId(value: string, length: number): boolean {
  if (value.length !== length) return false;
  let zeros = true;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
    if (code !== 48) zeros = false;
  }
  return !zeros;
}

function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

/**
 * Unsigned LEB128 varints: 7 bits a byte, low bits first, the high bit set on every byte but the
 * last. Protobuf's varint (the agent's OTLP encoder) and Kafka's unsigned varint (the collector's
 * Produce requests) are both this.
 */

/** Writes `value`, a whole number from 0 to 2^32 − 1, at `at`; the position after it. */
export function writeUvarint32(out: Uint8Array, at: number, value: number): number {
  let v = value >>> 0;
  while (v > 0x7f) {
    out[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[at++] = v;
  return at;
}

/** The bytes of `value`, a whole number from 0 to 2^53, as a varint. */
export function uvarintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

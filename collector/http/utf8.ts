import { RequestRefused } from './refusal';

// One decoder for every request: decode() without {stream: true} keeps no state between calls.
// fatal: invalid bytes are an error, not silently replaced by U+FFFD (which would corrupt ids).
// A leading byte order mark is dropped, as senders on some platforms add one.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a request body as UTF-8, refusing it (400) at the first byte that is not valid UTF-8. */
export function decodeUtf8(body: Buffer): string {
  try {
    return strictUtf8.decode(body);
  } catch {
    const offset = firstInvalidUtf8Byte(body) ?? 0;
    throw new RequestRefused(
      400,
      'invalid_utf8',
      `the body is not valid UTF-8 (first invalid byte 0x${body[offset]?.toString(16).padStart(2, '0') ?? '??'} at byte offset ${offset}); ` +
        'encode the JSON as UTF-8',
      { details: { offset } },
    );
  }
}

/**
 * The offset of the first byte that starts an invalid UTF-8 sequence (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or undefined when the whole buffer is valid.
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // The allowed range of the second byte depends on the first (RFC 3629, table 3-7 of Unicode).
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0; // overlong
      if (b === 0xed) high = 0x9f; // UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90; // overlong
      if (b === 0xf4) high = 0x8f; // above U+10FFFF
    } else return i;
    if (i + length > bytes.length) return i;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k]!;
      if (next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return undefined;
}

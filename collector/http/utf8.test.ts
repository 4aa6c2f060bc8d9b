import fc from 'fast-check';
import { decodeUtf8, firstInvalidUtf8Byte } from './utf8';
import { RequestRefused } from './refusal';

const decodes = (bytes: Uint8Array) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

describe('firstInvalidUtf8Byte', () => {
  it('agrees with a fatal TextDecoder, and the prefix before the offset is valid UTF-8', () => {
    const mutatedText = fc
      .tuple(fc.string({ unit: 'grapheme' }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }))
      .map(([text, edits]) => {
        const bytes = Buffer.from(text, 'utf8');
        for (const [at, byte] of edits) if (bytes.length) bytes[at % bytes.length] = byte;
        return new Uint8Array(bytes);
      });
    fc.assert(
      fc.property(fc.oneof(mutatedText, fc.uint8Array({ maxLength: 12 })), (bytes) => {
        const offset = firstInvalidUtf8Byte(bytes);
        expect(offset === undefined).toBe(decodes(bytes));
        if (offset !== undefined) expect(decodes(bytes.subarray(0, offset))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['an overlong slash', [0x2f, 0xc0, 0xaf], 1],
    ['a UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a truncated sequence', [0x61, 0x62, 0xe2, 0x82], 2],
    ['a stray continuation byte', [0x80], 0],
  ])('finds %s', (_what, bytes, offset) => {
    expect(firstInvalidUtf8Byte(new Uint8Array(bytes))).toBe(offset);
  });
});

describe('decodeUtf8', () => {
  it('refuses invalid UTF-8 with 400, naming the byte offset', () => {
    let error: unknown;
    try {
      decodeUtf8(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RequestRefused);
    expect(error).toMatchObject({ status: 400, code: 'invalid_utf8', message: 'the body is not valid UTF-8 (first invalid byte 0xff at byte offset 2); encode the JSON as UTF-8' });
  });
});

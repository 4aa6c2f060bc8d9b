import fc from 'fast-check';
import { z } from 'zod';
import { isUuid, isW3cId } from './id-format';

// The schema's patterns (order-event.ts), which these readings stand in for in the plain reading.
const UUID = z.regexes.uuid();
const hexId = (length: number) => (value: string) => new RegExp(`^[0-9a-f]{${length}}$`).test(value) && !/^0+$/.test(value);

const HEX = '0123456789abcdefABCDEF';
/** Texts near the shape of an id: hex digits of either case, dashes, the nil and max UUIDs, and a few strangers. */
const nearId = (length: number, dashes: readonly number[]) =>
  fc.oneof(
    fc
      .array(fc.constantFrom(...HEX, '-', 'g', 'G', ' ', '\u0660'), { minLength: length - 1, maxLength: length + 1 })
      .map((chars) => chars.map((c, i) => (dashes.includes(i) && c !== 'g' ? '-' : c)).join('')),
    fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '0'.repeat(length)),
    fc.uuid().map((u) => (length === 36 ? u : u.replaceAll('-', '').slice(0, length))),
  );

describe('event ids read character by character', () => {
  it("accepts exactly what the schema's UUID pattern accepts", () => {
    fc.assert(
      fc.property(nearId(36, [8, 13, 18, 23]), (text) => {
        expect([text, isUuid(text)]).toEqual([text, UUID.test(text)]);
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes each version from 1 to 8 and each variant in either case, and nothing else there', () => {
    const at = (version: string, variant: string) => `123e4567-e89b-${version}2d3-${variant}456-426614174000`;
    for (const version of '0123456789abcdef') {
      for (const variant of HEX) expect([version, variant, isUuid(at(version, variant))]).toEqual([version, variant, UUID.test(at(version, variant))]);
    }
    expect(isUuid(at('4', 'A'))).toBe(true);
    expect(isUuid(at('9', 'a'))).toBe(false);
    expect(isUuid(at('4', 'c'))).toBe(false);
  });
});

describe('W3C trace and span ids read character by character', () => {
  it.each([32, 16])("accepts exactly what the schema's pattern for %i hex digits accepts", (length) => {
    fc.assert(
      fc.property(nearId(length, []), (text) => {
        expect([text, isW3cId(text, length)]).toEqual([text, hexId(length)(text)]);
      }),
      { numRuns: 20_000 },
    );
  });
});

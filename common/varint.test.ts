import { uvarintSize, writeUvarint32 } from './varint';

describe('unsigned varints', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16_383, 'ff7f'],
    [16_384, '808001'],
    [2 ** 32 - 1, 'ffffffff0f'],
  ])('writes %i as %s, and counts its bytes', (value, hex) => {
    const out = Buffer.alloc(12, 0xee);
    const end = writeUvarint32(out, 2, value);
    expect(out.subarray(2, end).toString('hex')).toBe(hex);
    expect(uvarintSize(value)).toBe(hex.length / 2);
  });

  it('counts the bytes of numbers past 32 bits', () => {
    expect([2 ** 32, 2 ** 35 - 1, 2 ** 35, 2 ** 53].map(uvarintSize)).toEqual([5, 5, 6, 8]);
  });
});

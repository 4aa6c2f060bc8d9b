import { partSpecSchema, type PartSpec } from '../../shared/messages';
import { canonicalJson, partKey } from './part-key';
import { pricePart } from './price-part';

const bracket: PartSpec = partSpecSchema.parse({ part_number: 'BRK-100', material: 'aluminium', dimensions_mm: { x: 120, y: 40, z: 10 } });

describe('the pricing cache key', () => {
  it('is the SHA-256 of the canonical spec, defaults filled in', () => {
    expect(canonicalJson(bracket)).toBe('{"dimensions_mm":{"x":120,"y":40,"z":10},"finish":"none","material":"aluminium","part_number":"BRK-100","tolerance_mm":0.1}');
    expect(partKey(bracket)).toBe('c140ca6abf2a05c4113b2a7af58effe28f7ce8ffb2b98d2aad2b5db611df5ea4');
  });

  it('is the same whatever order the spec was written in, and with defaults written out or not', () => {
    const reordered = partSpecSchema.parse({ finish: 'none', dimensions_mm: { z: 10, y: 40, x: 120 }, tolerance_mm: 0.1, material: 'aluminium', part_number: 'BRK-100' });
    expect(partKey(reordered)).toBe(partKey(bracket));
  });

  it('differs as soon as one property of the part differs', () => {
    const variants: PartSpec[] = [
      { ...bracket, part_number: 'BRK-101' },
      { ...bracket, material: 'steel' },
      { ...bracket, dimensions_mm: { ...bracket.dimensions_mm, z: 10.5 } },
      { ...bracket, tolerance_mm: 0.05 },
      { ...bracket, finish: 'anodized' },
    ];
    const keys = new Set([bracket, ...variants].map(partKey));
    expect(keys.size).toBe(variants.length + 1);
  });
});

describe('the cost analysis', () => {
  it('prices from stock volume, material, tolerance and finish, in whole cents', () => {
    // 1500 setup + 48 cm³ x 1.1 c/cm³ x (1 + 0.05/0.1)
    expect(pricePart(bracket, 0).unit_price_cents).toBe(1579);
    const shaft = partSpecSchema.parse({ part_number: 'SHF-7', material: 'titanium', dimensions_mm: { x: 200, y: 20, z: 20 }, tolerance_mm: 0.01, finish: 'polished' });
    // 1500 + 80 cm³ x 9.5 x (1 + 4, the cap) + 168 cm² x 0.6
    expect(pricePart(shaft, 10)).toEqual({ unit_price_cents: 5401, analysis: '2bebf87b330d5d25' });
  });

  it('is deterministic: the same part and effort give the same price and the same analysis', () => {
    expect(pricePart(bracket, 1000)).toEqual({ unit_price_cents: 1579, analysis: '6733409b446e6247' });
    expect(pricePart({ ...bracket }, 1000)).toEqual(pricePart(bracket, 1000));
  });

  it('keeps the price when only the effort changes: the effort is the simulation, not the price', () => {
    expect(pricePart(bracket, 0).unit_price_cents).toBe(pricePart(bracket, 5000).unit_price_cents);
    expect(pricePart(bracket, 0).analysis).toBe(partKey(bracket).slice(0, 16));
    expect(pricePart(bracket, 1).analysis).not.toBe(pricePart(bracket, 0).analysis);
  });
});

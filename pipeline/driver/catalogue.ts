import { partSpecSchema, type NewOrder, type PartSpec } from '../shared/messages';

const MATERIALS = ['aluminium', 'steel', 'stainless_steel', 'brass', 'abs'] as const;

/**
 * A deterministic catalogue of `size` different parts, numbered `<prefix>-1000`, `<prefix>-1001`, ...:
 * customers order from it, so parts repeat and the pricing cache has something to do.
 */
export function partCatalogue(size: number, prefix: string): PartSpec[] {
  return Array.from({ length: size }, (_, i) =>
    partSpecSchema.parse({
      part_number: `${prefix}-${1000 + i}`,
      material: MATERIALS[i % MATERIALS.length],
      dimensions_mm: { x: 20 + i, y: 10 + (i % 7), z: 5 + (i % 3) },
      tolerance_mm: i % 4 === 0 ? 0.02 : 0.1,
    }),
  );
}

/** The `i`-th order of a run: every third one B2B, customers and quantities cycling, the part from the catalogue. */
export function orderFromCatalogue(i: number, catalogue: readonly PartSpec[]): NewOrder {
  return { customer_id: `C-${i % 37}`, segment: i % 3 === 0 ? 'b2b' : 'b2c', part: catalogue[i % catalogue.length]!, quantity: 1 + (i % 9) };
}

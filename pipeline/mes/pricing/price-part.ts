import { createHash } from 'node:crypto';
import type { PartSpec } from '../../shared/messages';
import { canonicalJson } from './part-key';

/** The outcome of a cost analysis: the price of one piece and the fingerprint of the analysis. */
export interface PricedPart {
  readonly unit_price_cents: number;
  /** The last digest of the analysis (16 hex digits): the same part and effort give the same one. */
  readonly analysis: string;
}

/** Material cost in cents per cm³ of stock (the bounding box, as a machinist buys it). */
const MATERIAL_CENTS_PER_CM3: Readonly<Record<PartSpec['material'], number>> = {
  aluminium: 1.1,
  steel: 0.9,
  stainless_steel: 1.8,
  titanium: 9.5,
  brass: 3.2,
  abs: 0.4,
  nylon: 0.6,
};

const FINISH_CENTS_PER_CM2: Readonly<Record<PartSpec['finish'], number>> = {
  none: 0,
  anodized: 0.35,
  powder_coated: 0.25,
  polished: 0.6,
};

/** Setting a job up on a machine, per piece of a typical batch. */
const SETUP_CENTS = 1500;

/**
 * The cost analysis of a part: a deterministic, CPU-bound stand-in for the MES's real one.
 * `iterations` rounds of SHA-256 over the canonical spec play the part of the toolpath simulation
 * (the configurable cost); the price itself follows from the spec alone (stock volume and material,
 * tolerance, surface finish), so the same part always gets the same price whatever the effort.
 */
export function pricePart(part: PartSpec, iterations: number): PricedPart {
  let digest = createHash('sha256').update(canonicalJson(part)).digest();
  for (let i = 0; i < iterations; i++) digest = createHash('sha256').update(digest).digest();

  const { x, y, z } = part.dimensions_mm;
  const volumeCm3 = (x * y * z) / 1000;
  const surfaceCm2 = (2 * (x * y + y * z + x * z)) / 100;
  // Tight tolerances mean slower feeds and more inspection: cost grows as the tolerance shrinks.
  const toleranceFactor = 1 + Math.min(4, 0.05 / part.tolerance_mm);
  const cents = SETUP_CENTS + volumeCm3 * MATERIAL_CENTS_PER_CM3[part.material] * toleranceFactor + surfaceCm2 * FINISH_CENTS_PER_CM2[part.finish];
  return { unit_price_cents: Math.round(cents), analysis: digest.toString('hex').slice(0, 16) };
}

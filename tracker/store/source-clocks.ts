import type { Micros } from '../timeline';
import type { Sql } from './db';
import { micros, timestampParam } from './sql-time';

/** How far one source's history has reached in event time (migration 007). */
export interface SourceClock {
  readonly source: string;
  readonly watermark: Micros;
}

/** Moves each source's history clock forward to its newest event time here; never back. */
export async function advanceSourceClocks(sql: Sql, clocks: readonly SourceClock[]): Promise<void> {
  if (clocks.length === 0) return;
  await sql.query(
    `INSERT INTO source_clocks (source, watermark)
     SELECT source, max(watermark) FROM unnest($1::text[], $2::timestamptz[]) AS c(source, watermark) GROUP BY source ORDER BY source
     ON CONFLICT (source) DO UPDATE SET watermark = greatest(source_clocks.watermark, EXCLUDED.watermark)`,
    [clocks.map((c) => c.source), clocks.map((c) => timestampParam(c.watermark))],
  );
}

/** Every source's history clock. */
export async function sourceClocks(sql: Sql): Promise<SourceClock[]> {
  const rows = await sql.query<{ source: string; watermark: number }>(`SELECT source, ${micros('watermark')} AS watermark FROM source_clocks ORDER BY source`);
  return rows.map((r) => ({ source: r.source, watermark: r.watermark }));
}

import { PGlite } from '@electric-sql/pglite';
import type { Db, Row, Sql } from './db';
import { translateDbError } from './db-errors';
import { ANNOUNCE_WRITER_SCHEMA } from './migrate';

/**
 * A {@link Db} on PGlite, PostgreSQL compiled to WASM, for embedded mode and unit tests: the same SQL
 * as on a server. Keeps its data in `dataDir`, or in memory when none is given. `from` starts it as
 * a copy of a cluster PGlite dumped (`dumpDataDir`), which skips creating one: what tests that open
 * many stores do (tracker/test/pglite-template.ts).
 */
export async function openPglite(dataDir?: string, { from }: { from?: Blob } = {}): Promise<Db> {
  const where = dataDir ? `PGlite in ${dataDir}` : 'PGlite in memory';
  let pg: PGlite;
  try {
    pg = await PGlite.create({ dataDir, loadDataDir: from });
    await pg.exec(ANNOUNCE_WRITER_SCHEMA());
  } catch (err) {
    throw translateDbError(err, where);
  }
  let closing: Promise<void> | undefined;

  const wrap = (target: Pick<PGlite, 'query' | 'exec'>): Sql => ({
    async query<R = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
      try {
        return (await target.query<R>(text, params as unknown[] | undefined)).rows;
      } catch (err) {
        throw translateDbError(err, where);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await target.exec(script);
      } catch (err) {
        throw translateDbError(err, where);
      }
    },
  });

  return {
    description: where,
    ...wrap(pg),
    // PGlite has one connection: its transaction holds it, other statements wait their turn.
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => (closing ??= pg.closed ? Promise.resolve() : pg.close()),
  };
}

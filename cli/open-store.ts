import path from 'node:path';
import { migrate, openPglite, openPostgres, type Db } from '../tracker';
import { checkDataDirModel, databaseOpenError, dataDirError, takeDataDir } from './data-dir';

/** A store opened by a command that reads or writes it directly (import, model discover, backtest). */
export interface OpenedStore {
  readonly db: Db;
  /** Where it is, for people. */
  readonly where: string;
  readonly close: () => Promise<void>;
}

/**
 * Opens the store a command was pointed at: a PostgreSQL database (`databaseUrl`), else the embedded
 * data directory of `orderscope up`, locked for this process (PGlite's files are one process's: an
 * `up` on the same directory would corrupt them, so it must not be running). With `modelName`, the
 * directory must hold that model's data, as `up` checks (its first use records it). Migrated.
 */
export async function openStore(target: { databaseUrl?: string | undefined; dataDir: string }, modelName?: string): Promise<OpenedStore> {
  if (target.databaseUrl !== undefined) return migrated(openPostgres({ url: target.databaseUrl, poolSize: 2 }), 'PostgreSQL', async () => undefined);
  const dataDir = path.resolve(target.dataDir);
  const release = await takeDataDir(dataDir);
  try {
    if (modelName !== undefined) checkDataDirModel(dataDir, modelName);
  } catch (err) {
    await release();
    throw dataDirError(dataDir, err);
  }
  const pgdata = path.join(dataDir, 'pgdata');
  const db = await openPglite(pgdata).catch(async (err: unknown) => {
    await release();
    throw databaseOpenError(dataDir, pgdata, err);
  });
  return migrated(db, dataDir, release);
}

async function migrated(db: Db, where: string, after: () => Promise<void>): Promise<OpenedStore> {
  const close = async () => {
    await db.close();
    await after();
  };
  try {
    await migrate(db);
  } catch (err) {
    await close();
    throw err;
  }
  return { db, where, close };
}

import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, describeError, settingName, lockDirectory, type ReleaseLock } from '../common';

/** The lock of a data directory in use: the socket `<dir>/orderscope.lock.sock` that the `orderscope up` using it listens on (see lockDirectory). */
export const DATA_DIR_LOCK = 'orderscope.lock';

/** What to do about a data directory that cannot be used. */
const USE_ANOTHER = `pass --data-dir with a directory you can write, or set ${settingName(['embedded', 'dataDir'])}`;

/**
 * Takes the data directory of `orderscope up` for this process: creates it and locks it, before
 * anything opens its database (two processes on one PGlite folder corrupt it). A lock left by a
 * killed process is taken over. Fails in plain words when another process holds it or it cannot be
 * written.
 *
 * @returns a function that releases the lock: call it once the database is closed.
 */
export async function takeDataDir(dataDir: string): Promise<ReleaseLock> {
  try {
    mkdirSync(dataDir, { recursive: true });
    return await lockDirectory(dataDir, 'is it another orderscope up? Stop it, or pass --data-dir to use another directory', DATA_DIR_LOCK);
  } catch (err) {
    throw dataDirError(dataDir, err);
  }
}

/** The file of a data directory that names the process model its data was made with. */
export const DATA_DIR_MODEL = 'model';

/**
 * Checks that the data directory's data was made with the model of this start (its name, recorded at
 * the first start): orders, stays and reports of one model read under another are nonsense, and a
 * start that switched models without a word (`up` on the demo's directory without `--demo`) left
 * users puzzling over it. Records the name at the first start.
 */
export function checkDataDirModel(dataDir: string, modelName: string): void {
  const file = path.join(dataDir, DATA_DIR_MODEL);
  if (!existsSync(file)) {
    writeFileSync(file, `${modelName}\n`);
    return;
  }
  const recorded = readFileSync(file, 'utf8').trim();
  if (recorded !== modelName) {
    const demoHint = recorded === 'demo' ? ' (orderscope up --demo for the demo\'s)' : '';
    throw new ConfigError(
      `the data directory ${dataDir} holds the data of model "${recorded}", and this start uses model "${modelName}"; start with the same model${demoHint}, or pass --data-dir with another directory for this one`,
    );
  }
}

/**
 * A file-system failure on the data directory (the lock's cause, if it is one) as a {@link ConfigError}
 * that says what is wrong and what to do; any other error unchanged.
 */
export function dataDirError(dataDir: string, err: unknown): unknown {
  const cause = (err instanceof ConfigError && err.cause !== undefined ? err.cause : err) as NodeJS.ErrnoException;
  const reason = fileSystemReason(dataDir, cause);
  return reason === undefined ? err : new ConfigError(`cannot use the data directory ${dataDir}: ${reason}; ${USE_ANOTHER}`, cause);
}

function fileSystemReason(dataDir: string, err: NodeJS.ErrnoException): string | undefined {
  switch (err?.code) {
    case 'EACCES':
    case 'EPERM':
      return `this user may not write there (permission denied on ${err.path ?? dataDir})`;
    case 'ENOTDIR':
      return `${fileInTheWay(dataDir)} is a file, not a directory`;
    case 'EROFS':
      return 'its file system is read-only';
    case 'ENOSPC':
      return 'its disk is full';
    default:
      return undefined;
  }
}

/**
 * Why the database of a data directory did not open. PGlite says only that it "failed to initialize",
 * so this looks for the usual reason, files this user may not write (the directory was made by
 * another user, e.g. root), before blaming the files themselves.
 */
export function databaseOpenError(dataDir: string, pgdata: string, err: unknown): ConfigError {
  const failure = describeError(err);
  if (!writable(pgdata)) {
    return new ConfigError(`cannot open the database in ${pgdata} (${failure}): this user may not write there (made by another user?); give this user the directory, or ${USE_ANOTHER}`, err);
  }
  return new ConfigError(`cannot open the database in ${pgdata} (${failure}): it may be damaged, or from another version; move ${dataDir} away to start afresh, or ${USE_ANOTHER}`, err);
}

/** True when this process may write `dir` and the files directly in it (PGlite's own are one level down too, but the top says enough). */
function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    accessSync(path.join(dir, 'PG_VERSION'), constants.W_OK);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** The first part of `dir`'s path that exists and is not a directory. */
function fileInTheWay(dir: string): string {
  for (let at = dir; ; at = path.dirname(at)) {
    try {
      if (!statSync(at).isDirectory()) return at;
    } catch {
      // Not there: look further up.
    }
    if (path.dirname(at) === at) return dir;
  }
}

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';

const LOCK_FILE = 'spool.lock';

/**
 * Takes a directory for this process: two processes appending to and deleting the same files would
 * resend or lose each other's events (a spool), or corrupt a database (embedded mode's data directory). The lock file holds the owner's pid, so a
 * lock left behind by a killed process (SIGKILL, a crash) is recognised as stale and taken over.
 *
 * @returns a function that releases the lock.
 */
export function lockDirectory(dir: string, inUseHint: string, lockFile = LOCK_FILE): () => void {
  const file = path.join(dir, lockFile);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => releaseLock(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(dir, err);
    }
    const owner = Number(readFileSync(file, 'utf8').trim());
    if (owner !== process.pid && isAlive(owner)) {
      throw new ConfigError(`the directory ${dir} is in use by process ${owner}; ${inUseHint}`);
    }
    // A stale lock (its owner is gone) or our own from an earlier open: take it over.
    unlinkSync(file);
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseLock(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function lockError(dir: string, err: unknown): ConfigError {
  return new ConfigError(`cannot lock the directory ${dir}: ${(err as Error).message}`, err);
}

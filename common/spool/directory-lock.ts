import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors';
import { sleep } from '../retry';

const LOCK_NAME = 'spool.lock';
/**
 * The longest Unix socket path every platform takes (sun_path is 108 bytes on Linux, 104 on macOS,
 * with the terminating NUL).
 */
const MAX_SOCKET_PATH_BYTES = 103;
/** How long a live owner has to say its pid before it is named as "another process". */
const OWNER_ANSWER_MS = 1000;
/** A takeover mutex older than this was left by a process that died in the middle of a takeover. */
const STALE_TAKEOVER_MS = 10_000;

/** Releases a directory lock; safe to call twice. */
export type ReleaseLock = () => Promise<void>;

/**
 * Takes a directory for this process: two processes appending to and deleting the same files would
 * resend or lose each other's events (a spool), or corrupt a database (embedded mode's data
 * directory).
 *
 * The lock is a Unix domain socket this process listens on, `<dir>/<lockName>.sock`: the kernel
 * closes it when the process dies, however it dies, so a dead owner is recognised by a refused
 * connection, never by a pid (every container's process can be pid 1, and a pid file of a dead owner
 * whose pid was reused blocked the directory for good). A live owner answers a connection with its
 * pid, which the refusal names. The server is unref'd: it keeps no process alive.
 *
 * Why a socket file in the directory rather than a Linux abstract socket (`\0name`, which needs no
 * file and leaves nothing stale): an abstract socket lives in a network namespace, so two containers
 * on one host sharing a volume (each with its own network) would both take the directory; a socket
 * file is found through the file system, which those containers share. Neither covers a directory
 * shared across hosts (NFS): give each process its own there. When the socket's path would be too long
 * for the kernel, the socket is under the temporary directory instead, named by a hash of the
 * directory's real path: processes that share that temporary directory still exclude each other.
 *
 * Taking over a dead owner's socket file (unlink, then listen) is done under a takeover mutex (an
 * atomic mkdir): two processes that both found it dead would otherwise each unlink the other's
 * fresh socket and both go on.
 *
 * @returns a function that releases the lock.
 */
export async function lockDirectory(dir: string, inUseHint: string, lockName = LOCK_NAME): Promise<ReleaseLock> {
  const socketPath = lockSocketPath(dir, lockName);
  try {
    for (;;) {
      const server = await listenOn(socketPath);
      if (server) return release(server);
      const owner = await probe(socketPath);
      if (owner.live) throw inUseError(dir, owner.pid, inUseHint);
      if (owner.gone) continue;
      await takeOver(socketPath);
    }
  } catch (err) {
    throw err instanceof ConfigError ? err : new ConfigError(`cannot lock the directory ${dir}: ${(err as Error).message}`, err);
  }
}

/**
 * The path of the lock socket of `dir`: in the directory when it fits the kernel's limit, otherwise
 * under the temporary directory, named by a hash of the directory's real path and the lock's name.
 * On Windows, where Node listens on named pipes only, the pipe of that name (it too ends with its
 * process, and leaves no file).
 */
export function lockSocketPath(dir: string, lockName: string, tmpdir = os.tmpdir(), platform = process.platform): string {
  const hash = () => createHash('sha256').update(`${realpathSync(dir)}\0${lockName}`).digest('hex').slice(0, 24);
  if (platform === 'win32') return `\\\\.\\pipe\\orderscope-${hash()}`;
  const inDir = path.join(dir, `${lockName}.sock`);
  if (Buffer.byteLength(inDir) <= MAX_SOCKET_PATH_BYTES) return inDir;
  return path.join(tmpdir, `orderscope-${hash()}.sock`);
}

/** Listens on `socketPath`: the server, or undefined when the path is taken (EADDRINUSE). */
function listenOn(socketPath: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((connection) => {
      connection.on('error', () => undefined);
      connection.end(`${process.pid}\n`);
    });
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
    server.listen(socketPath, () => {
      server.removeAllListeners('error');
      // A failed accept later must not crash the host; the lock stands while the socket is bound.
      server.on('error', () => undefined);
      server.unref();
      resolve(server);
    });
  });
}

type Owner = { live: true; pid: number | undefined } | { live: false; gone: boolean };

/**
 * Who is behind the socket file: a refused connection means its process is dead (`gone` false: the
 * file is stale); a missing file means it was released meanwhile (`gone` true); an accepted one means
 * a live owner, named by the pid it answers (none if it does not answer in time). Any other failure
 * (a full backlog) counts as live: refusing a start is recoverable, two owners are not.
 */
function probe(socketPath: string): Promise<Owner> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(socketPath);
    const done = (owner: Owner) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(owner);
    };
    const timer = setTimeout(() => done({ live: true, pid: undefined }), OWNER_ANSWER_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => {
      const pid = Number(answer.trim());
      done({ live: true, pid: Number.isInteger(pid) && pid > 0 ? pid : undefined });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done({ live: false, gone: false });
      else if (err.code === 'ENOENT') done({ live: false, gone: true });
      else done({ live: true, pid: undefined });
    });
  });
}

/**
 * Removes a dead owner's socket file, under the takeover mutex, after checking again that it is
 * dead (another process may have taken over since the first look). The caller then listens again.
 */
async function takeOver(socketPath: string): Promise<void> {
  const mutex = `${socketPath}.takeover`;
  for (;;) {
    try {
      mkdirSync(mutex);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (isStale(mutex)) removeQuietly(() => rmdirSync(mutex));
      else await sleep(20);
    }
  }
  try {
    const owner = await probe(socketPath);
    if (!owner.live && !owner.gone) removeQuietly(() => unlinkSync(socketPath));
  } finally {
    removeQuietly(() => rmdirSync(mutex));
  }
}

function isStale(mutex: string): boolean {
  try {
    return Date.now() - statSync(mutex).mtimeMs > STALE_TAKEOVER_MS;
  } catch {
    // Removed meanwhile: try again.
    return false;
  }
}

function removeQuietly(remove: () => void): void {
  try {
    remove();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Closing the server removes the socket file (Node unlinks a Unix socket it listened on). */
function release(server: Server): ReleaseLock {
  let closing: Promise<void> | undefined;
  return () => (closing ??= new Promise((resolve) => server.close(() => resolve())));
}

function inUseError(dir: string, pid: number | undefined, inUseHint: string): ConfigError {
  return new ConfigError(`the directory ${dir} is in use by ${pid === undefined ? 'another process' : `process ${pid}`}; ${inUseHint}`);
}

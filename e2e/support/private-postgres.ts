import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './child-server';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own, in a directory of its own on a free port of 127.0.0.1, that
 * the test may stop and restart: restarting the machine's shared server would break every other
 * test using it at the time. Built from the machine's PostgreSQL binaries (pg_config --bindir, else
 * /usr/lib/postgresql/<newest>/bin). As root, the server runs as the `postgres` user, because
 * PostgreSQL refuses to run as root.
 */
export interface PrivatePostgres {
  readonly port: number;
  /** The server's log. */
  readonly logFile: string;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** A fast shutdown (connections are cut, as a crash or a failover would) and a start. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = await postgresBinDir();
  // A directory of its own under the temporary directory: as root it is handed to the postgres
  // user, who cannot enter the test's private (0700) directories.
  const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-pg-'));
  const dataDir = path.join(dir, 'pgdata');
  const logFile = path.join(dir, 'postgres.log');
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [uid, gid] = await Promise.all(['-u', '-g'].map(async (flag) => Number((await run('id', [flag, 'postgres'])).stdout.trim())));
    for (const d of [dir, dataDir]) chownSync(d, uid!, gid!);
  }
  const tool = (name: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, name), ...args]) : run(path.join(bin, name), args));
  await tool('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200 -c fsync=on`;
  const start = () => tool('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
  const stop = () => tool('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  await start();
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    logFile,
    url,
    createDatabase: async (name) => {
      const client = new Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    restart: async () => {
      await stop();
      await start();
    },
    stop: async () => {
      if (existsSync(path.join(dataDir, 'postmaster.pid'))) await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresBinDir(): Promise<string> {
  try {
    const { stdout } = await run('pg_config', ['--bindir']);
    const dir = stdout.trim();
    if (existsSync(path.join(dir, 'initdb'))) return dir;
  } catch {
    // no pg_config on PATH: look where Debian puts the server
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL server binaries (initdb, pg_ctl) found: install postgresql');
  return path.join(root, newest, 'bin');
}

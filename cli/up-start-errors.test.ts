import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../common';
import { lockedByChild } from '../common/spool/test/lock-holder';
import { DATA_DIR_LOCK, dataDirError } from './data-dir';
import { buildProgram } from './program';

/**
 * What `orderscope up` says when it cannot start: one sentence naming the directory, file, port or
 * setting and what to do, as a ConfigError (which main.ts prints without a stack and exits 1 on).
 */

const root = mkdtempSync(path.join(tmpdir(), 'orderscope-start-'));
/** A config file that keeps the logs of these starts quiet. */
const quiet = path.join(root, 'quiet.yaml');
writeFileSync(quiet, 'log:\n  level: silent\n');

/** Runs `orderscope up` in this process and resolves to the error it stops with. */
async function upFails(...args: string[]): Promise<unknown> {
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'orderscope', 'up', '--config', quiet, '--collector-port', '0', '--tracker-port', '0', ...args]);
  } catch (err) {
    return err;
  }
  throw new Error('orderscope up started');
}

/** A TCP server holding a loopback port, as another process would. */
async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

const fresh = (name: string) => path.join(root, name);

describe('orderscope up, when it cannot start', () => {
  it('names the file in the way of the data directory', async () => {
    const file = fresh('a-file');
    writeFileSync(file, '');
    const err = await upFails('--data-dir', path.join(file, 'data'));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `cannot use the data directory ${file}/data: ${file} is a file, not a directory; pass --data-dir with a directory you can write, or set embedded.dataDir (ORDERSCOPE_EMBEDDED_DATA_DIR)`,
    );
  });

  it('refuses a data directory made with another model, before it opens the database there', async () => {
    const dataDir = fresh('demo-data');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'model'), 'demo\n');
    const err = await upFails('--data-dir', dataDir);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `the data directory ${dataDir} holds the data of model "demo", and this start uses model "default"; start with the same model (orderscope up --demo for the demo's), or pass --data-dir with another directory for this one`,
    );
    expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(false);
  });

  it('says the data directory is in use by another live process, before it opens the database there', async () => {
    const dataDir = fresh('in-use');
    mkdirSync(dataDir);
    // Another process holding the directory, as another orderscope up would.
    const owner = await lockedByChild(dataDir, DATA_DIR_LOCK);
    try {
      const err = await upFails('--data-dir', dataDir);
      expect((err as Error).message).toBe(
        `the directory ${dataDir} is in use by process ${owner.pid}; is it another orderscope up? Stop it, or pass --data-dir to use another directory`,
      );
      expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(false);
    } finally {
      await owner.stop();
    }
  });

  it('names the port that is taken and the setting that chose it, and lets go of the data directory', async () => {
    const taken = await occupyPort();
    try {
      const dataDir = fresh('busy-tracker-port');
      const tracker = await upFails('--data-dir', dataDir, '--tracker-port', String(taken.port));
      expect((tracker as Error).message).toBe(
        `cannot listen on 127.0.0.1:${taken.port}: another process listens there already (another orderscope?); stop it, or choose another port: --tracker-port, or tracker.port (ORDERSCOPE_TRACKER_PORT)`,
      );
      expect(existsSync(path.join(dataDir, `${DATA_DIR_LOCK}.sock`))).toBe(false);
      const collector = await upFails('--data-dir', dataDir, '--collector-port', String(taken.port));
      expect((collector as Error).message).toBe(
        `cannot listen on 127.0.0.1:${taken.port}: another process listens there already (another orderscope?); stop it, or choose another port: --collector-port, or collector.port (ORDERSCOPE_COLLECTOR_PORT)`,
      );
    } finally {
      await new Promise((resolve) => taken.server.close(resolve));
    }
  });

  it('says the database in the data directory cannot be opened, and what to do', async () => {
    const dataDir = fresh('damaged');
    mkdirSync(path.join(dataDir, 'pgdata'), { recursive: true });
    writeFileSync(path.join(dataDir, 'pgdata', 'PG_VERSION'), 'not a version\n');
    const err = await upFails('--data-dir', dataDir);
    expect((err as Error).message).toBe(
      `cannot open the database in ${dataDir}/pgdata (PGlite failed to initialize properly): it may be damaged, or from another version; move ${dataDir} away to start afresh, or pass --data-dir with a directory you can write, or set embedded.dataDir (ORDERSCOPE_EMBEDDED_DATA_DIR)`,
    );
  });

  it('names a config file that is not there and where its path came from', async () => {
    const missing = fresh('missing.yaml');
    const err = await upFails('--data-dir', fresh('unused'), '--config', missing);
    expect((err as Error).message).toBe(`cannot read the config file ${missing}: there is no such file; check the path given by --config`);
  });

  it('says so when this user may not write the data directory', () => {
    // Made here: a test run as root could write anywhere.
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/srv/orderscope/orderscope.lock.sock' });
    const err = dataDirError('/srv/orderscope', new ConfigError('cannot lock the directory /srv/orderscope: EACCES: permission denied', denied));
    expect((err as Error).message).toBe(
      'cannot use the data directory /srv/orderscope: this user may not write there (permission denied on /srv/orderscope/orderscope.lock.sock); pass --data-dir with a directory you can write, or set embedded.dataDir (ORDERSCOPE_EMBEDDED_DATA_DIR)',
    );
  });
});

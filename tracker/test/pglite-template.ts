import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PROJECT_ROOT } from '../../common';
import { openPglite, type Db } from '../store';

/** PGlite's version names the template: a cluster is only loaded by the PostgreSQL that wrote it. */
const PGLITE_VERSION = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
const TEMPLATE = path.join(tmpdir(), `orderscope-test-pglite-${PGLITE_VERSION}.tar`);

/**
 * An in-memory PGlite store for a test, as `openPglite()` gives, opened as a copy of an empty
 * cluster instead of a new one: creating a cluster (initdb) is most of opening a store, about 4.5 s
 * against 1.8 s for a copy on two busy cores, and the unit suite opens over a hundred. The cluster
 * is dumped once into the temporary directory and shared by the test processes and runs that
 * follow (Jest gives each test file its own modules, so a copy kept in memory would serve one file).
 */
export async function openTestPglite(): Promise<Db> {
  const template = await emptyCluster();
  try {
    return await openPglite(undefined, { from: template });
  } catch (err) {
    // A template that cannot be loaded is made again by the next test; this one opens a new cluster.
    await rm(TEMPLATE, { force: true });
    console.warn(`the PGlite template ${TEMPLATE} could not be loaded, so it was removed: ${String(err)}`);
    return openPglite();
  }
}

async function emptyCluster(): Promise<Blob> {
  try {
    return new Blob([await readFile(TEMPLATE)]);
  } catch {
    // Not made yet: make it.
  }
  const pg = await PGlite.create();
  try {
    const dump = await pg.dumpDataDir('none');
    // Written aside and renamed, so that a test process never reads a template half written.
    const aside = `${TEMPLATE}.${randomUUID()}`;
    await writeFile(aside, Buffer.from(await dump.arrayBuffer()));
    await rename(aside, TEMPLATE);
    return dump;
  } finally {
    await pg.close();
  }
}

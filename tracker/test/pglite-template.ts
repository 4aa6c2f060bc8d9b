import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PROJECT_ROOT } from '../../common';
import { openPglite, type Db } from '../store';

/** PGlite's version names the template: a cluster is only loaded by the PostgreSQL that wrote it. */
const PGLITE_VERSION = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
const TEMPLATE_PREFIX = 'orderscope-test-pglite-';
const TEMPLATE = path.join(tmpdir(), `${TEMPLATE_PREFIX}${PGLITE_VERSION}.tar`);

let template: Promise<Blob> | undefined;

/**
 * An in-memory PGlite store for a test, as `openPglite()` gives, opened as a copy of an empty
 * cluster instead of a new one: creating a cluster (initdb) is most of opening a store, about 4.5 s
 * against 1.8 s for a copy on two busy cores, and the unit suite opens over a hundred. The cluster
 * is dumped once into the temporary directory and shared by the test processes and runs that
 * follow (Jest gives each test file its own modules, so a copy kept in memory would serve one file).
 */
export async function openTestPglite(): Promise<Db> {
  // Read once per test file (its modules), not once per store: the file is 40 MB.
  template ??= emptyCluster();
  try {
    return await openPglite(undefined, { from: await template });
  } catch (err) {
    // Removed, so that the next store makes it again; this test fails, saying so.
    template = undefined;
    await rm(TEMPLATE, { force: true });
    throw new Error(`the PGlite template ${TEMPLATE} could not be loaded, and was removed: ${String(err)}`, { cause: err });
  }
}

async function emptyCluster(): Promise<Blob> {
  try {
    return new Blob([await readFile(TEMPLATE)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pg = await PGlite.create();
  const aside = `${TEMPLATE}.${randomUUID()}`;
  try {
    const dump = await pg.dumpDataDir('none');
    // Written aside and renamed, so that a test process never reads a template half written.
    await writeFile(aside, Buffer.from(await dump.arrayBuffer()));
    await rename(aside, TEMPLATE);
    await removeOtherVersions();
    return dump;
  } finally {
    await rm(aside, { force: true });
    await pg.close();
  }
}

/** Templates of other PGlite versions are 40 MB each that nothing will load again. */
async function removeOtherVersions(): Promise<void> {
  const others = readdirSync(tmpdir()).filter((name) => name.startsWith(TEMPLATE_PREFIX) && name.endsWith('.tar') && path.join(tmpdir(), name) !== TEMPLATE);
  await Promise.all(others.map((name) => rm(path.join(tmpdir(), name), { force: true })));
}

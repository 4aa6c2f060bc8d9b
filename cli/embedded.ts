import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Registry } from 'prom-client';
import { SpooledBus } from '../bus';
import { createCollector, type Collector } from '../collector';
import { createTracker, openPgliteThread, type Tracker, type Db } from '../tracker';
import { hashToken, type Config, type Logger, listen, type RunningServer } from '../common';
import type { ProcessModel } from '../events';
import { checkDataDirModel, databaseOpenError, dataDirError, takeDataDir } from './data-dir';

/** The token file of embedded mode, and whether this start created it. */
export interface EmbeddedToken {
  value: string;
  file: string;
  created: boolean;
}

/**
 * Reads the API token of an embedded data directory, creating it (readable by its owner only) on the
 * first start, so that a newcomer gets a working token without configuring anything.
 */
export function embeddedToken(dataDir: string): EmbeddedToken {
  const file = path.join(dataDir, 'token');
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), file, created: false };
  mkdirSync(dataDir, { recursive: true });
  const value = `osk_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { value, file, created: true };
}

/** Embedded mode is `orderscope up`: its flags choose the ports, so a busy port names them. */
const UP_FLAGS = { tracker: { port: '--tracker-port' }, collector: { port: '--collector-port' } } as const;

export interface Embedded {
  readonly collectorUrl: string;
  readonly trackerUrl: string;
  readonly token: EmbeddedToken;
  /** Closes in the order that loses nothing: stop ingest, drain the bus, stop the tracker, close the store. */
  close(): Promise<void>;
}

/**
 * Embedded mode: collector and tracker in one process, a bus spooled on disk instead of Kafka and
 * PGlite (PostgreSQL compiled to WebAssembly, same SQL, in a thread of its own) in
 * `config.embedded.dataDir` instead of a PostgreSQL server. The same code paths, schema and API as
 * production, wired differently. A long report holds only the database: ingest writes to the bus's
 * spool and the HTTP servers keep answering.
 * The data directory is locked for this process until close (data-dir.ts).
 */
export interface EmbeddedOptions {
  readonly config: Config;
  readonly model: ProcessModel;
  readonly logger: Logger;
  /**
   * The lost-order sweeper waits for this, then for the bus to apply what was published until then:
   * the demo posts the events that fell due while it was down before any order is judged.
   */
  readonly sweepAfter?: Promise<unknown>;
}

export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  const { config, model, logger } = options;
  const dataDir = path.resolve(config.embedded.dataDir);
  const releaseDataDir = await takeDataDir(dataDir);
  let token: EmbeddedToken;
  try {
    checkDataDirModel(dataDir, model.name);
    token = embeddedToken(dataDir);
  } catch (err) {
    await releaseDataDir();
    throw dataDirError(dataDir, err);
  }
  const withToken: Config = {
    ...config,
    tokens: [...config.tokens, { name: 'embedded', sha256: hashToken(token.value), sources: ['*'], scopes: ['ingest', 'read', 'admin'] }],
  };
  const registry = new Registry();
  let bus: SpooledBus | undefined;
  let store: Db | undefined;
  let tracker: Tracker | undefined;
  let collector: Collector | undefined;
  let trackerServer: RunningServer | undefined;
  const close = async () => {
    await collector?.close();
    await bus?.close();
    await tracker?.close();
    await trackerServer?.close();
    await store?.close();
    await releaseDataDir();
  };
  try {
    // Accepted events wait on disk, not in memory: ingest never waits for the database (see SpooledBus).
    bus = await SpooledBus.open({ dir: path.join(dataDir, 'bus'), logger: logger.child({ component: 'bus' }) }).catch((err: unknown) => {
      throw dataDirError(dataDir, err);
    });
    const pgdata = path.join(dataDir, 'pgdata');
    store = await openPgliteThread(pgdata).catch((err: unknown) => {
      throw databaseOpenError(dataDir, pgdata, err);
    });
    const spooled = bus;
    tracker = await createTracker({
      config: withToken,
      model,
      source: bus,
      store,
      logger: logger.child({ component: 'tracker' }),
      registry,
      instance: 'embedded',
      ...(options.sweepAfter && { sweepAfter: options.sweepAfter.then(() => spooled.idle()) }),
    });
    await tracker.start();
    trackerServer = await listen(tracker.app, config.tracker.host, config.tracker.port, { timeouts: config.http, configSection: 'tracker', flags: UP_FLAGS.tracker });
    collector = createCollector({ config: withToken, bus, logger: logger.child({ component: 'collector' }), registry, listenFlags: UP_FLAGS.collector });
    const collectorServer = await collector.start();
    let closing: Promise<void> | undefined;
    return { collectorUrl: collectorServer.url, trackerUrl: trackerServer.url, token, close: () => (closing ??= close()) };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

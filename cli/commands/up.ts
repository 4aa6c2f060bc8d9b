import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import { DEFAULT_MODEL_PATH, DEMO_MODEL_PATH, loadModelFile } from '../../events';
import { createLogger, loadConfig, type Config, type Logger } from '../../common';
import { CollectorClient } from '../../agents/shared';
import { startEmbedded } from '../embedded';
import { writeEmbeddedMonitoring } from '../embedded-monitoring';
import { upBanner } from '../up-banner';
import { DemoFeed } from '../demo-feed';
import { closeOnSignals, parsePort } from '../lifecycle';

interface UpOptions {
  config?: string;
  model?: string;
  demo?: boolean;
  dataDir?: string;
  collectorPort?: number;
  trackerPort?: number;
  generated?: string | false;
}

/** `orderscope up`: the whole platform in one process, no servers needed. */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description('Run orderscope in embedded mode: collector and tracker in one process, PGlite instead of PostgreSQL, no Kafka.')
    .option('--demo', 'feed synthetic orders through the collector on the short-SLA demo model (some stall and get lost)')
    .option('-m, --model <file>', `the process model (default: ${DEFAULT_MODEL_PATH}; with --demo: the demo model)`)
    .option('-c, --config <file>', 'YAML config file (default: $ORDERSCOPE_CONFIG; ORDERSCOPE_* variables override it)')
    .option('-d, --data-dir <dir>', 'where the database and the token are kept across restarts (default: .orderscope)')
    .option('--collector-port <port>', 'collector port (default 7400)', parsePort)
    .option('--tracker-port <port>', 'tracker API port (default 7401)', parsePort)
    .option('--generated <dir>', "where to write the alert rules and dashboards for the model, linking to this tracker (default: <data dir>/generated)")
    .option('--no-generated', 'write no alert rules and dashboards')
    .addHelpText(
      'after',
      `
The data directory keeps the PGlite database and the API token across restarts. The token is created
at the first start, in <data dir>/token (readable by you only); the token itself is printed once, in
the home page link of that first start, which opens a page asking to sign the browser in. Later:
  curl -H "Authorization: Bearer $(cat .orderscope/token)" http://127.0.0.1:7401/v1/orders
One process at a time uses a data directory: it listens on <data dir>/orderscope.lock.sock while it
runs (a lock the system lets go of when the process dies, however it dies), and
the directory keeps one model's data (<data dir>/model). In a terminal, log lines go to
<data dir>/orderscope.log; otherwise JSON on stdout. With --demo, a restart continues the demo's
orders in flight (<data dir>/demo-feed.json).
SIGTERM or Ctrl-C stops ingest, applies what was accepted and closes the database.`,
    )
    .action(async (opts: UpOptions) => {
      const config = loadConfig({
        file: opts.config,
        overrides: {
          ...(opts.dataDir !== undefined && { embedded: { dataDir: opts.dataDir } }),
          ...(opts.collectorPort !== undefined && { collector: { port: opts.collectorPort } }),
          ...(opts.trackerPort !== undefined && { tracker: { port: opts.trackerPort } }),
        },
      });
      const modelFile = opts.model ?? (config.model.file || (opts.demo ? DEMO_MODEL_PATH : DEFAULT_MODEL_PATH));
      const model = loadModelFile(modelFile);
      const dataDir = path.resolve(config.embedded.dataDir);
      const { logger, logFile } = upLogger(config, dataDir);
      // The demo's orders went on while it was down: their events are posted before any order is judged.
      let backlogPosted = () => {};
      const backlog = opts.demo ? new Promise<void>((resolve) => (backlogPosted = resolve)) : undefined;
      const embedded = await startEmbedded({ config, model, logger, ...(backlog && { sweepAfter: backlog }) });
      const generatedDir = await writeEmbeddedMonitoring(embedded, { model, modelFile, dataDir, dir: opts.generated });
      let feed: DemoFeed | undefined;
      if (opts.demo) {
        feed = new DemoFeed({
          client: new CollectorClient({ url: embedded.collectorUrl, token: embedded.token.value }),
          model,
          logger: logger.child({ component: 'demo' }),
          stateFile: path.join(dataDir, 'demo-feed.json'),
        });
        const resumed = await feed.resume().finally(backlogPosted);
        if (resumed.orders > 0) logger.info(resumed, 'the demo resumed its orders in flight, posting the events that fell due while it was down');
        feed.start();
      }
      // Once everything runs, and after the log lines so far: the banner is the last thing on screen.
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      console.log(upBanner({ ...embedded, modelName: model.name, demo: Boolean(opts.demo), ...(logFile && { logFile }), generatedDir }));
      closeOnSignals(logger, async () => {
        await feed?.close();
        await embedded.close();
      });
    });
}

/**
 * The logger of `up`: in a terminal, JSON log lines would bury the banner, so they go to
 * `<data dir>/orderscope.log`; otherwise (a service manager, a container, a pipe) to stdout, for log
 * shippers. A log file that cannot be opened falls back to stdout (the data directory's own check
 * then says what is wrong with it).
 */
function upLogger(config: Config, dataDir: string): { logger: Logger; logFile?: string } {
  if (!process.stdout.isTTY) return { logger: createLogger('orderscope', config.log.level) };
  const logFile = path.join(dataDir, 'orderscope.log');
  try {
    mkdirSync(dataDir, { recursive: true });
    const fd = openSync(logFile, 'a', 0o600);
    return { logger: createLogger('orderscope', config.log.level, { destination: pino.destination({ fd, sync: false }) }), logFile };
  } catch {
    return { logger: createLogger('orderscope', config.log.level) };
  }
}

import type { Command } from 'commander';
import { DEFAULT_MODEL_PATH, DEMO_MODEL_PATH, loadModelFile } from '../../events';
import { createLogger, loadConfig } from '../../common';
import { CollectorClient } from '../../collector/client';
import { startEmbedded } from '../embedded';
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
    .addHelpText(
      'after',
      `
The data directory keeps the PGlite database and the API token across restarts. The token is created
at the first start, in <data dir>/token (readable by you only); the token itself is printed once, in
the home page link of that first start, which opens a page asking to sign the browser in. Later:
  curl -H "Authorization: Bearer $(cat .orderscope/token)" http://127.0.0.1:7401/v1/orders
One process at a time uses a data directory: it holds <data dir>/orderscope.lock while it runs.
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
      const logger = createLogger('orderscope', config.log.level);
      const embedded = await startEmbedded({ config, model, logger });
      let feed: DemoFeed | undefined;
      if (opts.demo) {
        feed = new DemoFeed(new CollectorClient({ url: embedded.collectorUrl, token: embedded.token.value }), model, logger.child({ component: 'demo' }));
        feed.start();
      }
      console.log(upBanner({ ...embedded, modelName: model.name, demo: Boolean(opts.demo) }));
      closeOnSignals(logger, async () => {
        await feed?.close();
        await embedded.close();
      });
    });
}

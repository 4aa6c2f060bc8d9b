import type { Command } from 'commander';
import { DEFAULT_MODEL_PATH, DEMO_MODEL_PATH, loadModelFile } from '../../events';
import { createLogger, loadConfig } from '../../common';
import { CollectorClient } from '../../collector/client';
import { startEmbedded, type Embedded } from '../embedded';
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
    .addHelpText('after', '\nThe data directory keeps the PGlite database and the API token (created at first start) across restarts.\nSIGTERM or Ctrl-C stops ingest, applies what was accepted and closes the database.')
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
      console.log(banner(embedded, model.name, Boolean(opts.demo)));
      closeOnSignals(logger, async () => {
        await feed?.close();
        await embedded.close();
      });
    });
}

function banner(e: Embedded, modelName: string, demo: boolean): string {
  const token = e.token.created ? e.token.value : `$(cat ${e.token.file})`;
  const lines = [
    '',
    `orderscope is up (embedded mode, model "${modelName}"${demo ? ', demo orders flowing' : ''})`,
    '',
    // The home page first: it needs nothing but a browser. With the token the link signs the browser in
    // (the token then lives in a cookie, and the page is shown at a URL without it).
    e.token.created
      ? `  home page    ${e.trackerUrl}/?token=${encodeURIComponent(e.token.value)}   (open it in a browser)`
      : `  home page    ${e.trackerUrl}/   (sign in with the API token)`,
    `  report       ${e.trackerUrl}/v1/reports/latency?format=html   (the last 7 days)`,
    `  orders       ${e.trackerUrl}/v1/orders`,
    `  stuck        ${e.trackerUrl}/v1/orders?status=stuck`,
    `  lost         ${e.trackerUrl}/v1/lost`,
    `  metrics      ${e.trackerUrl}/metrics`,
    `  ingest       POST ${e.collectorUrl}/v1/events`,
    '',
    e.token.created
      ? `  API token    ${e.token.value}   (saved to ${e.token.file}; shown only this once)`
      : `  API token    in ${e.token.file}`,
    '',
    'Try:',
    `  curl -s -H "Authorization: Bearer ${token}" '${e.trackerUrl}/v1/orders?limit=5'`,
    '',
  ];
  return lines.join('\n');
}

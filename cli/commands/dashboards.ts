import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, parseDuration } from '../../common';
import { dashboardFiles } from '../../dashboards';
import { writeDashboardPreviews } from '../../dashboards/preview';
import { DEFAULT_MODEL_PATH, loadModelFile } from '../../events';

interface PreviewOptions {
  prometheus: string;
  out: string;
  model?: string;
  range: string;
  scrapeInterval: string;
}

const MAX_POINTS = 250;

function seconds(flag: string, text: string): number {
  const parsed = parseDuration(text);
  if ('error' in parsed) throw new ConfigError(`${flag}: ${parsed.error}`);
  if (parsed.seconds <= 0) throw new ConfigError(`${flag}: must be more than 0s`);
  return parsed.seconds;
}

/** `orderscope dashboards preview`: the generated dashboards drawn from a Prometheus, without Grafana. */
export function registerDashboards(program: Command): void {
  const dashboards = program.command('dashboards').description('The generated Grafana dashboards.');
  dashboards
    .command('preview')
    .description(
      'Draw each generated dashboard from a Prometheus, without Grafana: every panel runs its PromQL (the variables set to what Prometheus has) and is drawn as an HTML page of inline SVG charts, in the style of the reports. Open <out>/index.html.',
    )
    .requiredOption('--prometheus <url>', 'the Prometheus that scrapes the collector and the tracker, e.g. http://127.0.0.1:9090')
    .requiredOption('-o, --out <dir>', 'where to write index.html and a page per dashboard')
    .option('-m, --model <file>', `the process model the dashboards are generated for (default: ${path.relative(process.cwd(), DEFAULT_MODEL_PATH)})`)
    .option('--range <duration>', 'how far back from now to draw', '1h')
    .option('--scrape-interval <duration>', "Prometheus' scrape interval: $__rate_interval is four of them, as in Grafana", '15s')
    .action(async (opts: PreviewOptions) => {
      let base: URL;
      try {
        base = new URL(opts.prometheus);
      } catch {
        throw new ConfigError(`--prometheus: "${opts.prometheus}" is not a URL (e.g. http://127.0.0.1:9090)`);
      }
      const range = seconds('--range', opts.range);
      const scrapeSeconds = seconds('--scrape-interval', opts.scrapeInterval);
      const model = loadModelFile(opts.model ?? DEFAULT_MODEL_PATH);
      const end = Math.floor(Date.now() / 1000);
      // At most MAX_POINTS points per line, and never finer than a scrape.
      const step = Math.max(scrapeSeconds, Math.ceil(range / MAX_POINTS));
      const written = await writeDashboardPreviews(base.toString(), dashboardFiles(model), { start: end - range, end, step, scrapeSeconds }, opts.out, new Date(end * 1000).toISOString());
      for (const { file, run } of written) {
        const queried = run.panels.filter((p) => p.queries.length > 0);
        const failed = queried.flatMap((p) => p.queries.filter((q) => q.error).map((q) => `${p.panel.title}: ${q.error}`));
        process.stdout.write(`wrote ${path.join(opts.out, file)}: ${queried.length} panels${failed.length ? `, ${failed.length} queries refused:\n  ${failed.join('\n  ')}` : ''}\n`);
      }
      process.stdout.write(`open ${path.join(opts.out, 'index.html')}\n`);
    });
}

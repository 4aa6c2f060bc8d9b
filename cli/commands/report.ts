import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig, type Config, ConfigError, OrderscopeError } from '../../common';
import { DEFAULT_MODEL_PATH, loadModelFile } from '../../events';
import {
  buildLatencyReport,
  defaultPeriod,
  describePeriod,
  newestStateSince,
  openPostgres,
  parseReportJson,
  parseReportQuery,
  renderCsv,
  renderHtml,
  renderJson,
  REPORT_FORMATS,
  reconciliationCard,
  recordedSchema,
  runReconcile,
  sourceTables,
  writerSchema,
  type LatencyReport,
  type ReportRequest,
  type Sql,
} from '../../tracker';
import { askTracker, trackerApi } from '../tracker-api';

interface ReportOptions {
  from?: string;
  to?: string;
  groupBy?: string;
  stays?: string;
  exact?: boolean;
  format?: string;
  out?: string;
  databaseUrl?: string;
  tracker?: string;
  token?: string;
  linkBase?: string;
  model?: string;
  config?: string;
}

/** `orderscope report`: the order-latency report of a period, from the database or from a tracker. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Write the order-latency report of a period (time per state against SLAs, lead time, lost and slowest orders, segments, operators) as HTML, CSV or JSON.')
    .option('--from <date|time>', 'start of the period: a date (2026-11-23, UTC) or an RFC 3339 time (default: 7 days before --to; without --from and --to: the last 7 days, or the last 7 days of the data when it is older, e.g. history imported from a log)')
    .option('--to <date|time>', 'end of the period: a date includes that whole day (default: now)')
    .option('--group-by <view>', 'csv and json: one view, state | segment | operator | day (csv default: state; json default: the whole report)')
    .option('--stays <which>', 'time in state counts closed_and_open stays (default: also those orders are still in) or only closed ones (for history, where a log leaves cases open)')
    .option('--exact', 'compute every figure from the stays and orders of the period (exact percentiles) instead of reading whole days from the daily rollups (percentiles within 1 %)')
    .option('--format <format>', `${REPORT_FORMATS.join(' | ')} (default: from the --out extension, else html)`)
    .option('-o, --out <file>', 'where to write it (default: standard output)')
    .option('--database-url <url>', 'read PostgreSQL directly (default: postgres.readUrl, else postgres.url of the config)')
    .option('--tracker <url>', 'ask a running tracker instead, e.g. http://127.0.0.1:7401 (what embedded mode needs)')
    .option('--token <token>', 'with --tracker: a token with the read scope (default: $ORDERSCOPE_TOKEN)')
    .option('--link-base <url>', 'html: the tracker URL that order links point to (default: the --tracker URL; none without it)')
    .option('-m, --model <file>', `the process model, when reading the database (default: model.file of the config, else ${DEFAULT_MODEL_PATH})`)
    .option('-c, --config <file>', 'YAML config file (default: $ORDERSCOPE_CONFIG; ORDERSCOPE_* variables override it)')
    .addHelpText(
      'after',
      `
What counts in the period: a stay when it ended in it, or, for the stay an order is still in, when it
started in it (its time so far counts); an order's lead time when it reached its final state in it;
stuck and lost orders when the detector flagged them in it. Whole UTC days are read from daily
rollups: counts and means exact, percentiles within 1 % of PostgreSQL's percentile_cont (the report
says which method it used); --exact computes them from every duration. The database is read in one
read-only transaction.

CSV views (--group-by), one row per group, durations in seconds, shares from 0 to 1:
  state      state, system, sla_seconds, stays, open_stays, p50/p90/p99_seconds, within_sla, missed_sla, within_sla_share, stuck, lost, label, mean_seconds
  segment    segment, orders_completed, orders_ended_otherwise, lead_time_p50/p90/p99_seconds, stuck, lost
  operator   operator_id, orders, share_of_orders, time_to_confirm_p50/p90_seconds, within_sla_share
  day        day (UTC), orders_completed, orders_ended_otherwise, lead_time_p50/p90_seconds
  every view ends with method (rollup | exact) and relative_error (the error bound of its percentiles)

Examples:
  orderscope report --from 2026-11-23 --to 2026-11-29 --out week.html
  orderscope report --group-by operator --out operators.csv --database-url postgres://reports@replica/orderscope
  orderscope report --tracker http://127.0.0.1:7401 --token "$(cat .orderscope/token)" --out report.html   (embedded mode)`,
    )
    .action(async (opts: ReportOptions) => {
      if (opts.databaseUrl !== undefined && opts.tracker !== undefined) throw new ConfigError('give --database-url or --tracker, not both');
      const format = opts.format ?? formatOfFile(opts.out);
      const request = parseReportQuery(
        { format, ...(opts.from !== undefined && { from: opts.from }), ...(opts.to !== undefined && { to: opts.to }), ...(opts.groupBy !== undefined && { group_by: opts.groupBy }), ...(opts.stays !== undefined && { stays: opts.stays }), ...(opts.exact === true && { exact: 'true' }) },
        Date.now() * 1000,
      );
      const bar = new SingleBar({ format: 'report [{bar}] {value}/{total} | {section}', hideCursor: true, stream: process.stderr }, Presets.shades_classic);
      const progress = (index: number, total: number, section: string) => {
        if (index === 0) bar.start(total, 0, { section });
        bar.update(index, { section });
        if (index === total) bar.stop();
      };
      const { text, report } = opts.tracker !== undefined ? await fromTracker(opts.tracker, opts, request, progress) : await fromDatabase(opts, request, progress);
      if (opts.out === undefined || opts.out === '-') {
        process.stdout.write(text);
        return;
      }
      writeFileSync(opts.out, text);
      const what = report ? `: ${describePeriod(report)}, ${report.summary.ordersCompleted.toLocaleString('en-US')} orders completed, ${report.summary.ordersLost.toLocaleString('en-US')} lost` : '';
      console.error(`wrote ${opts.out} (${Math.max(1, Math.round(Buffer.byteLength(text) / 1024))} KB)${what}`);
    });
}

type Progress = (index: number, total: number, section: string) => void;

/**
 * The format a file name asks for by its extension (html without a file or an extension); another
 * extension is refused rather than written as HTML under a name that says otherwise.
 */
function formatOfFile(file: string | undefined): string {
  const ext = file === undefined ? '' : path.extname(file).slice(1).toLowerCase();
  if (ext === '') return 'html';
  if ((REPORT_FORMATS as readonly string[]).includes(ext)) return ext;
  throw new ConfigError(`--out ${file}: ".${ext}" is not a report format; name the file .html, .csv or .json, or pass --format`);
}

function render(report: LatencyReport, request: ReportRequest, linkBase: string | undefined, reconciliation?: NonNullable<Parameters<typeof renderHtml>[1]>['reconciliation']): string {
  switch (request.format) {
    case 'json':
      return renderJson(report, request.groupBy);
    case 'csv':
      return renderCsv(report, request.groupBy ?? 'state');
    case 'html':
      return renderHtml(report, { ...(linkBase !== undefined && { linkBase: linkBase.replace(/\/+$/, '') }), ...(reconciliation && { reconciliation }) });
  }
}

/** Builds the report from PostgreSQL, one progress step per section. */
async function fromDatabase(opts: ReportOptions, request: ReportRequest, progress: Progress): Promise<{ text: string; report: LatencyReport }> {
  const config = loadConfig({ file: opts.config });
  const model = loadModelFile(opts.model ?? (config.model.file || DEFAULT_MODEL_PATH));
  const db = openPostgres({ url: opts.databaseUrl ?? (config.postgres.readUrl || config.postgres.url), poolSize: 1 });
  try {
    await checkSchema(db, request.exact);
    const now = Date.now() * 1000;
    // Without --from and --to: the last week, or the last week of the data when it is older (a backfill).
    const period = request.periodGiven ? request.period : defaultPeriod(now, await newestStateSince(db));
    const report = await buildLatencyReport(db, model, period, { now, onSection: progress, staysCounted: request.staysCounted, exact: request.exact });
    // With reconcile.sources configured, the HTML report has a Reconciliation section of the same period.
    const sources = request.format === 'html' ? sourceTables(config.reconcile.sources) : [];
    const reconciliation = sources.length > 0 ? reconciliationCard(await runReconcile({ tracker: db, sources, window: period, now, graceMs: config.reconcile.graceMs })) : undefined;
    return { text: render(report, request, opts.linkBase, reconciliation), report };
  } catch (err) {
    throw opts.databaseUrl === undefined ? embeddedHint(err, config) : err;
  } finally {
    await db.close();
  }
}

/**
 * This command reads a database without migrating it, which may be behind this code (its trackers
 * older than the command, or none started on it): say so, and how to get the report, instead of
 * failing on a missing table. The exact report reads only the stays and orders of the first schema.
 */
async function checkSchema(db: Sql, exact: boolean): Promise<void> {
  const recorded = await recordedSchema(db);
  if (recorded === 0) {
    throw new ConfigError('this database holds no orderscope schema (no tracker has started on it): point --database-url, or postgres.readUrl / postgres.url, at the tracker\'s database');
  }
  if (!exact && recorded < writerSchema()) {
    throw new ConfigError(
      `this database's orderscope schema is at migration ${recorded}, older than this orderscope's ${writerSchema()}, whose report reads the daily rollups: start a tracker of this version on its primary (it migrates at start; a replica follows), or add --exact to compute the report from the stays`,
    );
  }
}

/**
 * A database that cannot be read, where an embedded data directory is at hand: its data is in PGlite,
 * which only its tracker reads, so say how to ask it (the usual case of "report" beside "up").
 */
function embeddedHint(err: unknown, config: Config): unknown {
  const tokenFile = path.join(config.embedded.dataDir, 'token');
  if (!(err instanceof OrderscopeError) || !existsSync(tokenFile)) return err;
  return new ConfigError(
    `${err.message}. If you run orderscope up, its data is in ${config.embedded.dataDir}, which only its tracker reads: orderscope report --tracker http://127.0.0.1:${config.tracker.port} --token "$(cat ${tokenFile})"`,
    err,
  );
}

/**
 * Asks a running tracker. An HTML report is rendered here from the tracker's JSON, so that its order
 * links can point at the tracker (a page saved to a file has no server to be relative to).
 */
async function fromTracker(trackerUrl: string, opts: ReportOptions, request: ReportRequest, progress: Progress): Promise<{ text: string; report?: LatencyReport }> {
  const api = trackerApi({ tracker: trackerUrl, ...(opts.token !== undefined && { token: opts.token }) }, 'read');
  const url = new URL('/v1/reports/latency', trackerUrl);
  // Without --from and --to the tracker picks the period (the last week of its data, when older).
  if (request.periodGiven) {
    url.searchParams.set('from', new Date(request.period.from / 1000).toISOString());
    url.searchParams.set('to', new Date(request.period.to / 1000).toISOString());
  }
  url.searchParams.set('format', request.format === 'html' ? 'json' : request.format);
  if (request.groupBy !== undefined) url.searchParams.set('group_by', request.groupBy);
  url.searchParams.set('stays', request.staysCounted);
  if (request.exact) url.searchParams.set('exact', 'true');
  progress(0, 1, `asking ${url.origin}`);
  const text = await askTracker(api, url);
  progress(1, 1, 'done');
  if (request.format !== 'html') return { text };
  const report = parseReportJson(text);
  return { text: render(report, request, opts.linkBase ?? url.origin), report };
}

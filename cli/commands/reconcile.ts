import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import { loadConfig, parseDuration, ConfigError } from '../../common';
import { openPostgres, parsePeriod, renderReconcileCsv, renderReconcileJson, runReconcile, sourceTables } from '../../tracker';

const FORMATS = ['json', 'csv'] as const;

interface ReconcileOptions {
  from?: string;
  to?: string;
  grace?: number;
  source?: string[];
  format?: string;
  out?: string;
  databaseUrl?: string;
  config?: string;
}

/** `orderscope reconcile`: the source systems' order tables against the tracker, over a period. */
export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description('Compare the order tables of the source systems (reconcile.sources of the config) with the orders the tracker saw, over a period: missing, orphan, diverged and duplicated orders, as JSON or CSV.')
    .option('--from <date|time>', 'start of the period: a date (2026-11-23, UTC) or an RFC 3339 time (default: 7 days before --to)')
    .option('--to <date|time>', 'end of the period: a date includes that whole day (default: now)')
    .addOption(new Option('--grace <duration>', 'how long a difference may last before it counts, e.g. 5m (default: reconcile.graceMs of the config)').argParser(parseGrace))
    .option('--source <name>', 'compare only this source of reconcile.sources (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--format <format>', `${FORMATS.join(' | ')} (default: from the --out extension, else json)`)
    .option('-o, --out <file>', 'where to write it (default: standard output)')
    .option('--database-url <url>', "the tracker's database (default: postgres.readUrl, else postgres.url of the config)")
    .option('-c, --config <file>', 'YAML config file (default: $ORDERSCOPE_CONFIG; ORDERSCOPE_* variables override it)')
    .addHelpText(
      'after',
      `
The sources are described in the config file as the pg-outbox sidecar of each system is started:
  reconcile:
    graceMs: 300000                 # a difference younger than this is on its way, not a finding
    sources:
      - name: shop
        urlEnv: SHOP_DATABASE_URL   # or url: postgres://...; never logged
        table: public.orders        # --table
        idColumn: id                # --id-column
        stateColumn: status         # --state-column
        updatedAtColumn: updated_at # a timestamptz set at every change: windows and the grace period use it
        map: [NEW=placed, QUOTE=quote_requested]   # --map
        ignore: [DRAFT]             # --ignore

What it reports, for the orders changed in the period (a source row updated in it, or the tracker's
last event in it):
  missing     a source has the order, the tracker never saw it (its agent dropped the event)
  orphan      the tracker has the order, no source does
  diverged    no source's state (through its map) is the tracker's, for longer than the grace period
  duplicated  one step of an order reported by two sources (same state, consecutive, different source)
Sources are read in read-only sessions; the tracker in one read-only transaction.

CSV columns: kind, order_id, tracker_state, sources, source_values, source_states, since, age_seconds,
event_ids (several sources joined with ";").

Examples:
  orderscope reconcile --from 2026-11-23 --to 2026-11-29 -o week-reconcile.csv
  orderscope reconcile --from 2026-11-26T08:00:00Z --source shop --grace 10m
  SHOP_DATABASE_URL=postgres://reader@shop-db/shop orderscope reconcile -c orderscope.yaml | jq '.counts'`,
    )
    .action(async (opts: ReconcileOptions) => {
      const format = opts.format ?? formatOfFile(opts.out);
      if (!(FORMATS as readonly string[]).includes(format)) throw new ConfigError(`--format ${format}: write json or csv`);
      const config = loadConfig({ file: opts.config });
      const period = parsePeriod({ from: opts.from, to: opts.to }, Date.now() * 1000);
      const all = sourceTables(config.reconcile.sources);
      if (all.length === 0) throw new ConfigError('there are no sources to compare: list the source tables under reconcile.sources in the config file (see orderscope reconcile --help)');
      const unknown = (opts.source ?? []).filter((name) => !all.some((s) => s.name === name));
      if (unknown.length > 0) throw new ConfigError(`--source ${unknown.join(', ')}: not in reconcile.sources (its sources: ${all.map((s) => s.name).join(', ')})`);
      const sources = opts.source ? all.filter((s) => opts.source!.includes(s.name)) : all;
      const bar = new SingleBar({ format: 'reconcile [{bar}] {value}/{total} | {step}', hideCursor: true, stream: process.stderr }, Presets.shades_classic);
      const tracker = openPostgres({ url: opts.databaseUrl ?? (config.postgres.readUrl || config.postgres.url), poolSize: 1 });
      try {
        const result = await runReconcile({
          tracker,
          sources,
          window: period,
          now: Date.now() * 1000,
          graceMs: opts.grace ?? config.reconcile.graceMs,
          onStep: (index, total, step) => {
            if (index === 0) bar.start(total, 0, { step });
            bar.update(index, { step });
            if (index === total) bar.stop();
          },
        });
        const text = format === 'csv' ? renderReconcileCsv(result) : renderReconcileJson(result);
        if (opts.out === undefined || opts.out === '-') process.stdout.write(text);
        else writeFileSync(opts.out, text);
        const c = result.counts;
        console.error(`${opts.out && opts.out !== '-' ? `wrote ${opts.out}: ` : ''}${c.missing} missing, ${c.orphan} orphan, ${c.diverged} diverged, ${c.duplicated} duplicated (${sources.map((s) => s.name).join(', ')} against the tracker)`);
      } finally {
        bar.stop();
        await tracker.close();
      }
    });
}

function parseGrace(text: string): number {
  const parsed = parseDuration(text);
  if ('error' in parsed) throw new ConfigError(`--grace: ${parsed.error} (e.g. 30s, 5m, 1h)`);
  return parsed.seconds * 1000;
}

function formatOfFile(file: string | undefined): string {
  const ext = file === undefined ? '' : path.extname(file).slice(1).toLowerCase();
  return ext === '' ? 'json' : ext;
}

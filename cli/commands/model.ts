import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_ALERT_OPTIONS } from '../../alerts';
import { loadConfig, parseDuration, ConfigError, formatDuration } from '../../common';
import { backtest, parsePeriod, type BacktestResult } from '../../tracker';
import { loadModel, loadModelFile, DEFAULT_MODEL_PATH, type StateDef } from '../../events';
import { observeLog } from '../discover/from-log';
import { observeStore } from '../discover/from-store';
import { proposeModel } from '../discover/propose-model';
import { nameOf } from '../import/log-record';
import { openStore } from '../open-store';
import { formatSummary } from '../send-batches';
import { logReadingOf, withLogReadingOptions, type LogReadingFlags } from './log-reading-options';
import { checkReadableFile } from './replay';

interface DiscoverFlags extends LogReadingFlags {
  out?: string;
  name?: string;
  dataDir?: string;
  databaseUrl?: string;
  config?: string;
}

/** `orderscope model check [file]`: validates a process model and prints what it describes. */
export function registerModel(program: Command): void {
  const model = program.command('model').description('Work with the process model (config/order-model.yaml).');
  model
    .command('check')
    .description('Validate a process model file and print its states, handoffs, SLOs and roles.')
    .argument('[file]', 'the model file', DEFAULT_MODEL_PATH)
    .action((file: string) => {
      const m = loadModelFile(file);
      const out: string[] = [`model "${m.name}" is valid: ${m.states.length} states, ${m.handoffs.length} handoffs, ${m.slos.length} SLOs`, ''];
      for (const s of m.states) {
        out.push(`  ${s.name.padEnd(18)} ${s.system.padEnd(6)} ${limitsOf(s)}${s.terminal ? '' : ` -> ${m.successors(s.name).join(', ')}`}${s.label === s.name ? '' : `  "${s.label}"`}`);
      }
      if (m.handoffs.length) out.push('', 'handoffs:');
      for (const h of m.handoffs) out.push(`  ${h.from} (${h.fromSystem}) -> ${h.to} (${h.toSystem}) within ${formatDuration(h.withinSeconds)}${h.via ? `  via ${h.via}` : ''}`);
      if (m.slos.length) out.push('', 'SLOs:');
      for (const s of m.slos) out.push(`  ${(s.objective * 100).toFixed(1)}% of orders leave ${s.state} within ${formatDuration(s.withinSeconds)}`);
      out.push('', `roles: confirmation ${m.roles.confirmation ?? '(none)'}, completion ${m.roles.completion ?? '(none)'}`);
      console.log(out.join('\n'));
    });
  withLogReadingOptions(
    model
      .command('discover')
      .description('Propose a process model from an event log, or from the events already stored: states, owners, labels, transitions, terminal states, handoffs and limits from the observed p90/p99.')
      .argument('[file]', 'an event log (.csv, .xes, or either .gz), read as orderscope import reads it; without one, the stored events'),
  )
    .option('-o, --out <file>', 'where to write the model YAML (default: standard output)')
    .option('--name <name>', 'the model\'s name (default: from the file name, or "discovered")')
    .option('-d, --data-dir <dir>', 'without a file: read the embedded data directory, which must not be running (default: .orderscope)')
    .option('--database-url <url>', 'without a file: read this PostgreSQL database')
    .option('-c, --config <file>', 'YAML config file (default: $ORDERSCOPE_CONFIG; ORDERSCOPE_* variables override it)')
    .addHelpText(
      'after',
      `
The proposal is checked before it is written: it passes model check, and the orders it was made from
break none of its rules (every move seen is a transition; only states no order ever left are terminal).
Review owners, labels and limits, then import and deploy:
  orderscope model discover orders.csv -o model.yaml
  orderscope import orders.csv --model model.yaml`,
    )
    .action(async (file: string | undefined, opts: DiscoverFlags) => {
      const name = opts.name ?? (file === undefined ? 'discovered' : nameOf(path.basename(file).replace(/(\.(csv|xes))?(\.gz)?$/i, '')));
      let yaml: string;
      if (file !== undefined) {
        if (opts.dataDir !== undefined || opts.databaseUrl !== undefined) throw new ConfigError('give a file or --data-dir / --database-url, not both: discover reads one of them');
        checkReadableFile(file, 'discover a model from', 'an event log (.csv or .xes)');
        const { observations, skipped } = await observeLog(file, logReadingOf(opts));
        if (skipped.rejected > 0) console.error(formatSummary({ sent: observations.events + skipped.rejected, accepted: observations.events, rejected: skipped.rejected, rejectedByReason: {}, examples: skipped.examples }));
        if (observations.orders === 0) throw new ConfigError(`${file} has no event that could be read: nothing to discover a model from`);
        yaml = proposeModel(observations, name);
      } else {
        const config = loadConfig({ file: opts.config });
        const store = await openStore({ databaseUrl: opts.databaseUrl, dataDir: opts.dataDir ?? config.embedded.dataDir });
        try {
          const observations = await observeStore(store.db);
          if (observations.orders === 0) throw new ConfigError(`${store.where} holds no orders: import a log first (orderscope import), or give discover the log`);
          yaml = proposeModel(observations, name);
        } finally {
          await store.close();
        }
      }
      // A proposal that the loader refused would be a bug here, not the user's to fix: fail loudly.
      const proposed = loadModel(yaml, opts.out ?? 'the proposed model');
      if (opts.out === undefined) {
        process.stdout.write(yaml);
        return;
      }
      writeFileSync(opts.out, yaml);
      console.error(`wrote ${opts.out}: model "${proposed.name}", ${proposed.states.length} states (${proposed.states.filter((s) => s.terminal).length} terminal), ${proposed.handoffs.length} handoffs; check it with orderscope model check ${opts.out}`);
    });
  model
    .command('backtest')
    .description('Replay a proposed model\'s limits over stored history: orders it would have flagged stuck and lost per state, pages and tickets its alerts would have sent, SLO compliance, beside the current model\'s.')
    .argument('<file>', 'the proposed model')
    .requiredOption('--from <date|time>', 'start of the history to replay (a date, 2026-11-23, or an RFC 3339 time)')
    .requiredOption('--to <date|time>', 'end of it (a date includes that whole day)')
    .option('-m, --model <file>', `the current model (default: model.file of the config, else ${DEFAULT_MODEL_PATH})`)
    .option('-d, --data-dir <dir>', 'read the embedded data directory, which must not be running (default: .orderscope)')
    .option('--database-url <url>', 'read this PostgreSQL database instead')
    .option('-c, --config <file>', 'YAML config file (default: $ORDERSCOPE_CONFIG; ORDERSCOPE_* variables override it)')
    .addHelpText('after', `\n${BACKTEST_COUNTS}`)
    .action(async (file: string, opts: { from: string; to: string; model?: string; dataDir?: string; databaseUrl?: string; config?: string }) => {
      const proposed = loadModelFile(file);
      const config = loadConfig({ file: opts.config });
      const current = loadModelFile(opts.model ?? (config.model.file || DEFAULT_MODEL_PATH));
      const now = Date.now() * 1000;
      const period = parsePeriod({ from: opts.from, to: opts.to }, now);
      const window = { ...period, now, lostWindow: alertSeconds(DEFAULT_ALERT_OPTIONS.lostWindow) * 1e6, stuckFor: alertSeconds(DEFAULT_ALERT_OPTIONS.stuckFor) * 1e6 };
      const store = await openStore({ databaseUrl: opts.databaseUrl, dataDir: opts.dataDir ?? config.embedded.dataDir });
      try {
        const results = [await backtest(store.db, current, window), await backtest(store.db, proposed, window)] as const;
        process.stdout.write(`${formatBacktest(...results)}\n\n${BACKTEST_COUNTS}\n`);
      } finally {
        await store.close();
      }
    });
}

/** What the backtest's columns count, printed under its table and in its help. */
const BACKTEST_COUNTS = `Each stay is judged in event time as the detector judges history: every limit passed before the order
left the state flags it then (stuck at expect_within, lost at the first of lost_after and the handoffs'
windows). stuck, lost: orders flagged in the period. pages: OrderLost notifications, exactly: the
state's alert group (Alertmanager groups by alertname, pipeline, state) going from resolved to firing
in the period; it fires at a loss and resolves ${DEFAULT_ALERT_OPTIONS.lostWindow} (lostWindow) after the last one, so
losses closer together than that are one page. tickets: OrdersStuck notifications, likewise: a run of
time with orders stuck in the state without a break, once it has lasted ${DEFAULT_ALERT_OPTIONS.stuckFor} (stuckFor).
Repeats of a group still firing (repeat_interval) and the SLO burn-rate alerts are not counted. SLO met:
the share of stays that ended in the period within the SLO's window.`;

/** An alert option's duration in seconds (the defaults are valid durations). */
function alertSeconds(text: string): number {
  const d = parseDuration(text);
  if ('error' in d) throw new Error(`alert option "${text}": ${d.error}`);
  return d.seconds;
}

/** A state's limits as a sentence; a state without them is "observed only": measured, never flagged. */
function limitsOf(s: StateDef): string {
  if (s.terminal) return 'terminal';
  const limits = [
    s.expectWithinSeconds !== undefined && `stuck after ${formatDuration(s.expectWithinSeconds)}`,
    s.lostAfterSeconds !== undefined && `lost after ${formatDuration(s.lostAfterSeconds)}`,
  ].filter(Boolean);
  return limits.length ? limits.join(', ') : 'observed only';
}

/** The two backtests side by side, one line per state of either model: current -> proposed. */
export function formatBacktest(current: BacktestResult, proposed: BacktestResult): string {
  const names = [...new Set([...current.states, ...proposed.states].map((s) => s.state))];
  const cell = (r: BacktestResult, state: string, pick: (s: BacktestResult['states'][number]) => string) => {
    const s = r.states.find((x) => x.state === state);
    return s ? pick(s) : '—';
  };
  const slo = (s: BacktestResult['states'][number]) => (s.slo ? (s.slo.met === null ? `no stays (${pct(s.slo.objective)})` : `${pct(s.slo.met)} of ${pct(s.slo.objective)}`) : '—');
  const columns: [string, (s: BacktestResult['states'][number]) => string][] = [
    ['stuck', (s) => String(s.stuck)],
    ['lost', (s) => String(s.lost)],
    ['pages', (s) => String(s.pages)],
    ['tickets', (s) => String(s.tickets)],
    ['SLO met', slo],
  ];
  // Labels, as reports show states; the proposed model's when it renames one.
  const labelOf = (n: string) => (proposed.states.find((s) => s.state === n) ?? current.states.find((s) => s.state === n))!.label;
  const rows = names.map((n) => [labelOf(n), ...columns.map(([, pick]) => `${cell(current, n, pick)} -> ${cell(proposed, n, pick)}`)]);
  const header = ['state', ...columns.map(([c]) => c)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [`backtest: current model "${current.model}" -> proposed "${proposed.model}"`, line(header), ...rows.map(line)].join('\n');
}

const pct = (share: number) => `${Number((share * 100).toFixed(1))}%`;

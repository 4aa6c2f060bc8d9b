import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { PROJECT_ROOT } from '../common';

type Register = (program: Command) => void;

/* eslint-disable @typescript-eslint/no-require-imports -- each command's module is loaded only when needed: see buildProgram */
/**
 * Each command of `orderscope`, by name: its module in cli/commands/<name>.ts, loaded only when the
 * program is built with it (see {@link buildProgram}). Adding a command touches one line here.
 */
const COMMANDS: Readonly<Record<string, () => Register>> = {
  agent: () => (require('./commands/agent') as typeof import('./commands/agent')).registerAgent,
  collector: () => (require('./commands/collector') as typeof import('./commands/collector')).registerCollector,
  dashboards: () => (require('./commands/dashboards') as typeof import('./commands/dashboards')).registerDashboards,
  'dead-letters': () => (require('./commands/dead-letters') as typeof import('./commands/dead-letters')).registerDeadLetters,
  deploy: () => (require('./commands/deploy') as typeof import('./commands/deploy')).registerDeploy,
  generate: () => (require('./commands/generate') as typeof import('./commands/generate')).registerGenerate,
  import: () => (require('./commands/import') as typeof import('./commands/import')).registerImport,
  model: () => (require('./commands/model') as typeof import('./commands/model')).registerModel,
  pipeline: () => (require('./commands/pipeline') as typeof import('./commands/pipeline')).registerPipeline,
  reconcile: () => (require('./commands/reconcile') as typeof import('./commands/reconcile')).registerReconcile,
  replay: () => (require('./commands/replay') as typeof import('./commands/replay')).registerReplay,
  report: () => (require('./commands/report') as typeof import('./commands/report')).registerReport,
  tracker: () => (require('./commands/tracker') as typeof import('./commands/tracker')).registerTracker,
  up: () => (require('./commands/up') as typeof import('./commands/up')).registerUp,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The `orderscope` command line, built for `argv` (as process.argv: node, script, arguments): when
 * the first argument names a command, with that command only, else (no command, --help, `help
 * <command>`, a misspelled name) with all of them. So a long-running server loads only the code it
 * runs: every command's dependencies together (the OpenTelemetry SDK, Grafana's dashboard SDK, the
 * embedded PostgreSQL, ...) would add about 40 MiB to the resident memory of each tracker and
 * collector process, and time to every start.
 */
export function buildProgram(argv: readonly string[] = process.argv): Command {
  const program = new Command('orderscope')
    .description('Track every order of the pipeline: time in each state, stuck and lost orders, dashboards, alerts, reports.')
    .version(readVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: true });
  const named = argv[2];
  const names = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const name of names) COMMANDS[name]!()(program);
  return program;
}

function readVersion(): string {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

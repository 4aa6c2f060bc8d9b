import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { PROJECT_ROOT } from '../common';
import { registerAgent } from './commands/agent';
import { registerCollector } from './commands/collector';
import { registerDashboards } from './commands/dashboards';
import { registerDeadLetters } from './commands/dead-letters';
import { registerDeploy } from './commands/deploy';
import { registerGenerate } from './commands/generate';
import { registerImport } from './commands/import';
import { registerModel } from './commands/model';
import { registerPipeline } from './commands/pipeline';
import { registerReconcile } from './commands/reconcile';
import { registerReplay } from './commands/replay';
import { registerReport } from './commands/report';
import { registerTracker } from './commands/tracker';
import { registerUp } from './commands/up';

/**
 * The `orderscope` command line. Each command lives in cli/commands/<name>.ts and registers itself
 * here, so adding a command touches one line of this file.
 */
export function buildProgram(): Command {
  const program = new Command('orderscope')
    .description('Track every order of the pipeline: time in each state, stuck and lost orders, dashboards, alerts, reports.')
    .version(readVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: true });
  registerAgent(program);
  registerCollector(program);
  registerDashboards(program);
  registerDeadLetters(program);
  registerDeploy(program);
  registerGenerate(program);
  registerImport(program);
  registerModel(program);
  registerPipeline(program);
  registerReconcile(program);
  registerReplay(program);
  registerReport(program);
  registerTracker(program);
  registerUp(program);
  return program;
}

function readVersion(): string {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

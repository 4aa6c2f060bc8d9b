import path from 'node:path';
import type { Command } from 'commander';
import { absoluteUrlProblem, DEFAULT_ALERT_OPTIONS, type AlertOptions } from '../../alerts';
import { ConfigError, PROJECT_ROOT } from '../../common';
import { DEFAULT_MODEL_PATH, loadModelFile } from '../../events';
import { deploymentFiles, writeFiles } from '../deployment-files';
import { generatedFiles } from '../generated-files';

interface GenerateOptions {
  out?: string;
  model?: string;
  trackerUrl?: string;
  runbookUrl?: string;
  pageWebhook?: string;
  ticketWebhook?: string;
}

/** The URL flags and the alert options they set; `noFragment`: each alert adds its own anchor. */
const URL_FLAGS = [
  { flag: '--tracker-url', key: 'trackerUrl', option: 'trackerUrl', noFragment: false },
  { flag: '--runbook-url', key: 'runbookUrl', option: 'runbookUrl', noFragment: true },
  { flag: '--page-webhook', key: 'pageWebhook', option: 'pageWebhookUrl', noFragment: false },
  { flag: '--ticket-webhook', key: 'ticketWebhook', option: 'ticketWebhookUrl', noFragment: false },
] as const satisfies readonly { flag: string; key: keyof GenerateOptions; option: keyof AlertOptions; noFragment: boolean }[];

/**
 * `orderscope generate`: without options, writes every generated, committed file of the repository
 * from its source of truth (a unit test regenerates them in memory and fails when the committed
 * copies differ). With `--model` or a URL, writes the alert rules, Alertmanager configuration and
 * dashboards of a deployment into `--out` (deployment-files.ts).
 */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description(
      'Write the generated files. Without options: the committed files of this repository (event JSON Schema, alert rules, dashboards and Kubernetes manifests of config/order-model.yaml). ' +
        'With --model or a URL: the alert rules, Alertmanager configuration and dashboards for your model and URLs, into --out.',
    )
    .option('-o, --out <dir>', 'where to write: by default the repository root, for its committed files; a directory of your own with the options below')
    .option('-m, --model <file>', `the process model to generate the rules and dashboards for (default: ${path.relative(process.cwd(), DEFAULT_MODEL_PATH)})`)
    .option('--tracker-url <url>', `the tracker as on-call reaches it: alerts link to its pages of lost and stuck orders (default: ${DEFAULT_ALERT_OPTIONS.trackerUrl})`)
    .option('--runbook-url <url>', `the runbook (alerts/README.md) as on-call reads it; each alert links to its section (default: ${DEFAULT_ALERT_OPTIONS.runbookUrl})`)
    .option('--page-webhook <url>', `where Alertmanager sends pages, severity page (default: the placeholder ${DEFAULT_ALERT_OPTIONS.pageWebhookUrl})`)
    .option('--ticket-webhook <url>', `where Alertmanager sends tickets, severity ticket (default: the placeholder ${DEFAULT_ALERT_OPTIONS.ticketWebhookUrl})`)
    .addHelpText(
      'after',
      `
For a deployment:
  orderscope generate --model my-model.yaml --tracker-url https://orderscope.example.com \\
    --page-webhook https://pager.example.com/hook --ticket-webhook https://tickets.example.com/hook --out monitoring
writes monitoring/alerts/orderscope.rules.yml (Prometheus rule_files), orderscope.rules.test.yml
(promtool test rules), alertmanager.yml (Alertmanager), and monitoring/dashboards/*.json (Grafana).`,
    )
    .action(async (opts: GenerateOptions) => {
      const custom = opts.model !== undefined || URL_FLAGS.some((u) => opts[u.key] !== undefined);
      if (!custom) {
        const files = await generatedFiles();
        writeFiles(opts.out ?? PROJECT_ROOT, files);
        for (const file of files) process.stdout.write(`wrote ${file.path}\n`);
        return;
      }
      if (opts.out === undefined) {
        throw new ConfigError('give --out DIR: the directory to write the rules and dashboards of your model into (without --model and the URL options, generate writes the repository’s own files)');
      }
      const options: Partial<AlertOptions> = {};
      for (const u of URL_FLAGS) {
        const value = opts[u.key];
        if (value === undefined) continue;
        const problem = absoluteUrlProblem(value, u.noFragment);
        if (problem) throw new ConfigError(`${u.flag}: ${problem}`);
        Object.assign(options, { [u.option]: value });
      }
      const model = loadModelFile(opts.model ?? DEFAULT_MODEL_PATH);
      for (const target of writeFiles(opts.out, deploymentFiles(model, options))) process.stdout.write(`wrote ${target}\n`);
    });
}

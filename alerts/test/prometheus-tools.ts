import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../common';

/** The Debian packages' tools the alert tests run: promtool (prometheus) and amtool (prometheus-alertmanager). */
const TOOLS = ['promtool', 'amtool'] as const;

const missingTools = () => TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);

/**
 * Makes sure promtool and amtool are on PATH: installs the Debian packages with
 * `scripts/services.sh tools prometheus` when one is missing (root, apt-get; a minute or two on a new machine),
 * or throws saying how to get them.
 */
export function ensurePrometheusTools(): void {
  if (missingTools().length === 0) return;
  const install = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'services.sh'), 'tools', 'prometheus'], { encoding: 'utf8', timeout: 9 * 60_000 });
  const missing = missingTools();
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(' and ')} not found, and installing them failed (exit ${install.status}):\n${install.stdout ?? ''}${install.stderr ?? ''}\n` +
        'They come from the Debian packages prometheus and prometheus-alertmanager: as root, run `bash scripts/services.sh tools prometheus` ' +
        '(or apt-get install prometheus prometheus-alertmanager).',
    );
  }
}

/** The outcome of one tool run: exit status and everything it printed. */
export interface ToolRun {
  readonly status: number;
  readonly output: string;
}

/** Runs a tool in `cwd` and resolves with its exit status and output (never rejects on a non-zero exit). */
export function runTool(tool: string, args: readonly string[], cwd: string): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(tool, args, { cwd, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ status, output: `${stdout}${stderr}${err && typeof err.code !== 'number' ? String(err) : ''}` });
    });
  });
}

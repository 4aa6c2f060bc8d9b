import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { alertFiles, resolveAlertOptions, type AlertOptions } from '../alerts';
import { ConfigError } from '../common';
import { dashboardFiles } from '../dashboards';
import type { ProcessModel } from '../events';
import type { GeneratedFile } from './generated-files';

/**
 * The monitoring of one deployment: the alert rules with their promtool tests, the Alertmanager
 * configuration and the Grafana dashboards for `model`, linking to the deployment's tracker and
 * runbook and paging its receivers (`options`), as the files of one directory:
 *
 * - `alerts/orderscope.rules.yml`, `alerts/orderscope.rules.test.yml`, `alerts/alertmanager.yml`;
 * - `dashboards/<name>.json`, on the same jobs and tracker URL as the rules.
 *
 * What `orderscope generate --model FILE --tracker-url URL ... --out DIR` and `orderscope up` write.
 */
export function deploymentFiles(model: ProcessModel, options: Partial<AlertOptions>): GeneratedFile[] {
  const { trackerJob, collectorJob, trackerUrl } = resolveAlertOptions(model, options);
  return [
    ...alertFiles(model, options).map((f) => ({ path: `alerts/${f.name}`, content: f.content })),
    ...dashboardFiles(model, { trackerJob, collectorJob, trackerUrl }).map((f) => ({ path: `dashboards/${f.name}`, content: f.content })),
  ];
}

/**
 * Writes `files` under `dir`, creating its folders, and returns the paths written. A file that
 * cannot be written stops it with one sentence naming the file and why.
 */
export function writeFiles(dir: string, files: readonly GeneratedFile[]): string[] {
  return files.map((file) => {
    const target = path.join(dir, file.path);
    try {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    } catch (err) {
      // Node's message is "EACCES: permission denied, open '<path>'": the path is said already.
      throw new ConfigError(`cannot write ${target} (${(err as Error).message.split(',')[0]}): choose a directory you can write to`, err);
    }
    return target;
  });
}

import path from 'node:path';
import { DEMO_ALERT_OPTIONS, type AlertOptions } from '../alerts';
import { ConfigError } from '../common';
import { DEMO_MODEL_PATH, type ProcessModel } from '../events';
import { deploymentFiles, writeFiles } from './deployment-files';
import type { Embedded } from './embedded';

/** The one Prometheus job of embedded mode: the collector and the tracker are one process. */
export const EMBEDDED_JOB = 'orderscope';

export interface EmbeddedMonitoringOptions {
  readonly model: ProcessModel;
  /** The model's file: the demo model gets the alerts' demo clock (windows of seconds). */
  readonly modelFile: string;
  /** `orderscope up`'s data directory: the files go to its `generated/` unless `dir` says otherwise. */
  readonly dataDir: string;
  /** `--generated DIR`, or false for `--no-generated`. */
  readonly dir?: string | false;
}

/**
 * Writes, for the model `orderscope up` runs, the alert rules with their promtool tests, the
 * Alertmanager configuration and the dashboards, linking to this process's tracker, into
 * `<dataDir>/generated/` (alerts/, dashboards/), and returns that directory for the banner
 * (undefined with `--no-generated`). Rewritten at every start, so that they follow the model and the
 * port. If they cannot be written, the platform is closed again and the start fails saying where.
 */
export async function writeEmbeddedMonitoring(embedded: Embedded, options: EmbeddedMonitoringOptions): Promise<string | undefined> {
  if (options.dir === false) return undefined;
  const dir = options.dir ?? path.join(options.dataDir, 'generated');
  const clock: Partial<AlertOptions> = path.resolve(options.modelFile) === DEMO_MODEL_PATH ? DEMO_ALERT_OPTIONS : {};
  const files = deploymentFiles(options.model, { ...clock, trackerJob: EMBEDDED_JOB, collectorJob: EMBEDDED_JOB, trackerUrl: embedded.trackerUrl });
  try {
    writeFiles(dir, files);
  } catch (err) {
    await embedded.close();
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(`${err.message.replace(/: choose a directory you can write to$/, '')}: pass --generated DIR to write the alert rules and dashboards elsewhere, or --no-generated`, err.cause);
  }
  return dir;
}

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort, startChildServer, type ChildServer } from './child-server';

/*
 * A real Prometheus (2.42) and Alertmanager (0.25), Debian's binaries, started by the test in its own
 * directory on free ports of 127.0.0.1, with no gossip port for Alertmanager (its default web port,
 * 9093, is Kafka's controller port here).
 */

/** Starts Alertmanager with `config` (the generated alertmanager.yml). */
export async function startAlertmanager(dir: string, config: string): Promise<ChildServer> {
  const home = path.join(dir, 'alertmanager');
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, 'alertmanager.yml'), config);
  const port = await freePort();
  return startChildServer({
    name: 'alertmanager',
    command: 'prometheus-alertmanager',
    args: [
      `--config.file=${path.join(home, 'alertmanager.yml')}`,
      `--storage.path=${path.join(home, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    port,
    readyPath: '/-/ready',
    logFile: path.join(home, 'alertmanager.log'),
  });
}

export interface PrometheusOptions {
  /** The generated rule files: name and content. */
  readonly rules: readonly { name: string; content: string }[];
  /** Where alerts go. */
  readonly alertmanager: ChildServer;
  /** The jobs and the host:port targets each scrapes. */
  readonly jobs: readonly { readonly job: string; readonly targets: readonly string[] }[];
  /** Scrape and evaluation interval, e.g. "1s". */
  readonly interval: string;
}

/**
 * Starts Prometheus scraping each job's targets and evaluating `rules`, sending alerts to Alertmanager.
 * Exemplar storage is on: the tracker's time-in-state histogram carries trace ids as exemplars.
 */
export async function startPrometheus(dir: string, o: PrometheusOptions): Promise<ChildServer> {
  const home = path.join(dir, 'prometheus');
  mkdirSync(home, { recursive: true });
  for (const r of o.rules) writeFileSync(path.join(home, r.name), r.content);
  const config = {
    global: { scrape_interval: o.interval, scrape_timeout: o.interval, evaluation_interval: o.interval },
    rule_files: o.rules.map((r) => path.join(home, r.name)),
    alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(o.alertmanager.url).host] }] }] },
    scrape_configs: o.jobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: [...j.targets] }] })),
  };
  writeFileSync(path.join(home, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  return startChildServer({
    name: 'prometheus',
    command: 'prometheus',
    args: [
      `--config.file=${path.join(home, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(home, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
    ],
    port,
    readyPath: '/-/ready',
    logFile: path.join(home, 'prometheus.log'),
  });
}

/** One sample of an instant query's result. */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** Runs an instant query against Prometheus' HTTP API. */
export async function promQuery(prometheus: ChildServer, expr: string): Promise<Sample[]> {
  const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`Prometheus query ${expr} failed: ${body.error ?? res.status}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Polls `read` until `done` holds for its result; rejects after `timeoutMs`, saying `what` and the last result. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { ALERT_FILES, alertFiles, DEMO_ALERT_OPTIONS, type AlertOptions } from '../../alerts';
import { BROKERS, deleteTopic, freshTopic } from '../../bus/test/kafka-topic';
import { PROJECT_ROOT } from '../../common';
import { DEMO_MODEL_PATH, loadModelFile, type ProcessModel } from '../../events';
import type { PipelineUrls } from '../../pipeline';
import { createTestDatabase } from '../../tracker/test/postgres';
import { type ChildServer, freePort } from './child-server';
import { startAlertmanager, startPrometheus } from './monitoring';
import { createVhost } from '../../bench/support/rabbitmq-vhost';
import { startSupervised, type SupervisedProcess } from './supervised-process';
import { startWebhookReceiver, type WebhookReceiver } from './webhook';

/** The orderscope CLI as built by `npm run build` (test:e2e builds first). */
export const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');
export const demoModel = loadModelFile(DEMO_MODEL_PATH);
/** The Prometheus job of the collector and the tracker, as the demo alert rules expect it. */
const JOB = 'orderscope';
/** The Prometheus job of the pipeline services. */
export const PIPELINE_JOB = 'orderscope-pipeline';
/** The Zipkin that `bash scripts/services.sh up` starts (scripts/zipkin.sh). */
export const ZIPKIN_URL = process.env.ORDERSCOPE_TEST_ZIPKIN_URL ?? 'http://127.0.0.1:9411';

export interface PipelineStackOptions {
  /** Replicas of `orderscope pipeline mes-worker`. */
  readonly workers: number;
  /** Pricing threads per worker. */
  readonly concurrency: number;
  /** The cost of one cost analysis (SHA-256 rounds). */
  readonly pricingIterations: number;
  /** Feature toggles of every pipeline service, e.g. `faultAckThenDieOnPart=FAULT-`. */
  readonly toggles: readonly string[];
  /**
   * The process model the tracker runs and the alert rules are generated from, as YAML, given where
   * the pipeline's services listen (for the redrive actions it names); default: the demo model.
   */
  readonly model?: (services: PipelineUrls) => string;
  /**
   * Settings of the tracker's config file besides its database (e.g. tokens, reconcile.sources), given
   * the URLs of the services' databases; the file is `configFile`, for the CLI's commands too.
   */
  readonly trackerConfig?: (databases: Record<ServiceDatabase, string>) => Record<string, unknown>;
}

/** The pipeline services' own databases. */
export type ServiceDatabase = 'shop' | 'crm' | 'mes';

/** The whole system on this machine's real servers, every service a child process of the test. */
export interface PipelineStack {
  /** A token with every scope (ingest for the agents, read for the tracker API). */
  readonly token: string;
  readonly collector: SupervisedProcess;
  readonly tracker: SupervisedProcess;
  readonly shop: SupervisedProcess;
  readonly crm: SupervisedProcess;
  readonly mesApi: SupervisedProcess;
  /** The MES workers now running (replaced by {@link PipelineStack.redeployWorkers}). */
  readonly workers: readonly SupervisedProcess[];
  /** The process model the tracker runs. */
  readonly model: ProcessModel;
  /** The tracker's config file (its database, and the `trackerConfig` settings): `orderscope <command> -c` it. */
  readonly configFile: string;
  readonly prometheus: ChildServer;
  readonly alertmanager: ChildServer;
  /** Where Alertmanager pages (`/page`) and opens tickets (`/ticket`). */
  readonly webhook: WebhookReceiver;
  /** The real Zipkin the services export their spans to, and the tracker's trace links lead to. */
  readonly zipkinUrl: string;
  /** When the stack started (ms since the epoch): Zipkin searches look back to it, not at earlier runs' spans. */
  readonly startedAt: number;
  /** The alert options the rules were generated with. */
  readonly alertOptions: Partial<AlertOptions>;
  /** Runs a query on a service's own database. */
  query<T extends Record<string, unknown>>(database: ServiceDatabase, sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Deploys the MES workers again with other toggles, as a rollout would (e.g. the fix of a fault):
   * each worker is stopped gracefully and its successor started with the same name and ready.
   */
  redeployWorkers(toggles: readonly string[]): Promise<void>;
  /** GET on the tracker's API with the token. */
  trackerApi<T>(pathOrUrl: string): Promise<T>;
  /** The last lines of every process's log, for failure messages. */
  diagnostics(): string;
  /** Stops everything and removes what the run created (databases, vhost, topic, directory). */
  stop(): Promise<void>;
}

/**
 * Starts, on the real servers of this machine (PostgreSQL, RabbitMQ, Redis, Kafka, Prometheus,
 * Alertmanager): a collector and a tracker on the demo model (`orderscope collector`, `orderscope
 * tracker`), Prometheus with the alert rules generated for the demo model and Alertmanager paging
 * this test's webhook, and the pipeline (`orderscope pipeline shop|crm|mes-api|mes-worker`), each
 * service with its own fresh database, all in a RabbitMQ vhost of their own, exporting their spans to
 * the real Zipkin of scripts/zipkin.sh (the tracker's trace links lead there too). Prometheus scrapes the
 * collector and the tracker (job orderscope) and the pipeline services (job orderscope-pipeline).
 * Pipeline services are supervised: one that exits with an error starts again.
 */
export async function startPipelineStack(options: PipelineStackOptions): Promise<PipelineStack> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run test:e2e does)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-e2e-pipeline-'));
  // ORDERSCOPE_E2E_KEEP=1 keeps the logs of every process (and says where) for a post-mortem.
  const keep = process.env.ORDERSCOPE_E2E_KEEP === '1';
  const cleanups: [string, () => Promise<unknown>][] = [['directory', async () => (keep ? console.log(`e2e: logs kept in ${dir}`) : rmSync(dir, { recursive: true, force: true }))]];
  const processes: { name: string; stop: () => Promise<unknown>; logTail: () => string }[] = [];
  const stop = async () => {
    const failed: string[] = [];
    for (const step of [...processes.reverse().map((p) => [p.name, p.stop] as const), ...cleanups.reverse()]) {
      await step[1]().catch((err: unknown) => failed.push(`${step[0]}: ${String(err)}`));
    }
    if (failed.length > 0) throw new Error(`teardown failed: ${failed.join('; ')}`);
  };

  try {
    const token = `e2e-${randomBytes(12).toString('hex')}`;
    const databases = {} as Record<'tracker' | 'shop' | 'crm' | 'mes', string>;
    for (const name of ['tracker', 'shop', 'crm', 'mes'] as const) {
      const db = await createTestDatabase();
      cleanups.push([`database ${name}`, db.drop]);
      databases[name] = db.url;
    }
    const vhost = await createVhost();
    cleanups.push(['vhost', vhost.drop]);
    const topic = freshTopic('e2e-pipeline');
    cleanups.push(['topic', () => deleteTopic(topic)]);
    const startedAt = Date.now();
    const zipkinHealth = await fetch(`${ZIPKIN_URL}/health`).catch((err: unknown) => err as Error);
    if (!(zipkinHealth instanceof Response) || !zipkinHealth.ok) {
      throw new Error(`no Zipkin at ${ZIPKIN_URL} (${zipkinHealth instanceof Response ? zipkinHealth.status : zipkinHealth.message}): run bash scripts/services.sh up (or scripts/zipkin.sh start)`);
    }
    const webhook = await startWebhookReceiver();
    cleanups.push(['webhook', webhook.close]);

    const env = {
      ...process.env,
      NODE_OPTIONS: '',
      ORDERSCOPE_TOKEN: token,
      ORDERSCOPE_LOG_LEVEL: 'info',
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${ZIPKIN_URL}/api/v2/spans`,
    };
    const supervise = async (name: string, args: string[], extraEnv: Record<string, string> = {}) => {
      const port = await freePort();
      const child = startSupervised({
        name,
        command: process.execPath,
        args: [CLI, ...args, '--port', String(port)],
        env: { ...env, ...extraEnv },
        port,
        readyPath: '/readyz',
        logFile: path.join(dir, `${name}.log`),
      });
      processes.push({ name, stop: child.stop, logTail: () => child.logTail() });
      return child;
    };

    const kafkaEnv = { ORDERSCOPE_KAFKA_BROKERS: BROKERS.join(','), ORDERSCOPE_KAFKA_TOPIC: topic, ORDERSCOPE_KAFKA_PARTITIONS: '3' };
    const collector = await supervise('collector', ['collector'], { ...kafkaEnv, ORDERSCOPE_COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: '0' });
    await collector.ready();

    // The pipeline starts before the tracker, which needs its addresses (the model's redrive
    // actions); it places no order before the whole stack is ready.
    const pipelineArgs = (instance: string, toggles: readonly string[]) => ['--instance', instance, '--collector-url', collector.url, '--spool-dir', path.join(dir, 'spool', instance), ...toggles.flatMap((t) => ['--toggle', t])];
    const amqp = ['--amqp-url', vhost.url];
    const shop = await supervise('shop', ['pipeline', 'shop', ...pipelineArgs('shop', options.toggles), ...amqp, '--database-url', databases.shop, '--republish-after', '2s']);
    const crm = await supervise('crm', ['pipeline', 'crm', ...pipelineArgs('crm', options.toggles), ...amqp, '--database-url', databases.crm, '--operator', 'ana:2:200,ben:1:200,cem:1:200']);
    // RabbitMQ for its requeue redrive (it looks in mes.production.dead).
    const mesApi = await supervise('mes-api', ['pipeline', 'mes-api', ...pipelineArgs('mes-api', options.toggles), ...amqp, '--database-url', databases.mes]);
    const startWorker = (i: number, toggles: readonly string[]) =>
      supervise(`mes-worker-${i}`, [
        'pipeline',
        'mes-worker',
        ...pipelineArgs(`w${i}`, toggles),
        ...amqp,
        '--database-url',
        databases.mes,
        '--concurrency',
        String(options.concurrency),
        '--pricing-iterations',
        String(options.pricingIterations),
        '--retry-delay',
        '1s',
      ]);
    const workers: SupervisedProcess[] = [];
    for (let i = 1; i <= options.workers; i++) workers.push(await startWorker(i, options.toggles));

    let modelPath = DEMO_MODEL_PATH;
    if (options.model) {
      modelPath = path.join(dir, 'model.yaml');
      writeFileSync(modelPath, options.model({ shop: shop.url, crm: crm.url, mesApi: mesApi.url }));
    }
    const model = loadModelFile(modelPath);
    const configFile = path.join(dir, 'orderscope.yaml');
    writeFileSync(configFile, stringify({ postgres: { url: databases.tracker }, ...options.trackerConfig?.({ shop: databases.shop, crm: databases.crm, mes: databases.mes }) }));
    const tracker = await supervise('tracker', ['tracker', '--model', modelPath, '--instance', 'e2e', '--config', configFile], {
      ...kafkaEnv,
      ORDERSCOPE_KAFKA_GROUP_ID: `orderscope-e2e-${randomUUID()}`,
      ORDERSCOPE_POSTGRES_URL: databases.tracker,
      // The demo model counts in seconds: look for due orders four times a second.
      ORDERSCOPE_TRACKER_SWEEP_INTERVAL_MS: '250',
      ORDERSCOPE_TRACKER_TRACE_BACKEND: 'zipkin',
      ORDERSCOPE_TRACKER_TRACE_BACKEND_URL: ZIPKIN_URL,
    });
    await tracker.ready();

    const alertOptions: Partial<AlertOptions> = {
      ...DEMO_ALERT_OPTIONS,
      trackerJob: JOB,
      collectorJob: JOB,
      trackerUrl: tracker.url,
      pageWebhookUrl: `${webhook.url}/page`,
      ticketWebhookUrl: `${webhook.url}/ticket`,
      groupWait: '1s',
      groupInterval: '1s',
    };
    const files = alertFiles(model, alertOptions);
    const file = (name: string) => files.find((f) => f.name === name)!;
    mkdirSync(path.join(dir, 'monitoring'));
    const alertmanager = await startAlertmanager(path.join(dir, 'monitoring'), file(ALERT_FILES.alertmanager).content);
    processes.push({ name: 'alertmanager', stop: alertmanager.stop, logTail: () => alertmanager.logTail() });

    await Promise.all([shop, crm, mesApi, ...workers].map((s) => s.ready()));
    const hostOf = (u: string) => new URL(u).host;
    const prometheus = await startPrometheus(path.join(dir, 'monitoring'), {
      rules: [file(ALERT_FILES.rules)],
      alertmanager,
      jobs: [
        { job: JOB, targets: [tracker.url, collector.url].map(hostOf) },
        { job: PIPELINE_JOB, targets: [shop, crm, mesApi, ...workers].map((s) => hostOf(s.url)) },
      ],
      interval: DEMO_ALERT_OPTIONS.evaluationInterval!,
    });
    processes.push({ name: 'prometheus', stop: prometheus.stop, logTail: () => prometheus.logTail() });

    const clients = new Map<string, Client>();
    cleanups.push(['database clients', async () => Promise.all([...clients.values()].map((c) => c.end()))]);
    return {
      token,
      collector,
      tracker,
      shop,
      crm,
      mesApi,
      workers,
      model,
      configFile,
      prometheus,
      alertmanager,
      webhook,
      zipkinUrl: ZIPKIN_URL,
      startedAt,
      alertOptions,
      redeployWorkers: async (toggles) => {
        for (const [k, worker] of workers.entries()) {
          await worker.stop();
          workers[k] = await startWorker(k + 1, toggles);
          await workers[k]!.ready();
        }
      },
      query: async <T extends Record<string, unknown>>(database: ServiceDatabase, sql: string, params?: unknown[]) => {
        let client = clients.get(database);
        if (!client) {
          client = new Client({ connectionString: databases[database] });
          await client.connect();
          clients.set(database, client);
        }
        return (await client.query<T>(sql, params)).rows;
      },
      trackerApi: async <T>(pathOrUrl: string) => {
        const res = await fetch(new URL(pathOrUrl, tracker.url), { headers: { authorization: `Bearer ${token}` } });
        if (!res.ok) throw new Error(`GET ${pathOrUrl} on the tracker answered ${res.status}: ${await res.text()}`);
        return (await res.json()) as T;
      },
      diagnostics: () => processes.map((p) => `\n--- ${p.name} ---\n${p.logTail()}`).join(''),
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

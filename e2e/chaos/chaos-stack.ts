import { execFile, fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { Pool } from 'pg';
import { createVhost } from '../../bench/support/rabbitmq-vhost';
import { BROKERS, deleteTopic, freshTopic } from '../../bus/test/kafka-topic';
import { PROJECT_ROOT, sleep } from '../../common';
import { freePort, freePorts } from '../support/child-server';
import { logTailOf } from '../support/process-probes';
import { controlledProcess, readyAt, type ControlledProcess } from '../support/controlled-process';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { startTcpBalancer, type TcpBalancer } from '../support/tcp-balancer';
import { SOURCE_TABLE, TAP_EXCHANGE, TAP_ROUTING_KEY } from './driver';

const run = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');
export const CHAOS_MODEL = path.join(__dirname, 'chaos-model.yaml');
const SDK_HOST = path.join(__dirname, 'sdk-host.ts');
const REGISTER_TS = path.join(PROJECT_ROOT, 'agents', 'test', 'register-ts.js');
const KAFKA_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'kafka.sh');
export const TOPIC_PARTITIONS = 6;
/** Log lines of each process in a failure message; a crashed one's stack and what led to it take more. */
const TAIL_LINES = 15;
const CRASHED_TAIL_LINES = 80;

/** The SDK's host process: started, killed and started again; emits over IPC (see sdk-host.ts). */
export interface SdkHost {
  /** Exits nobody asked for. */
  readonly crashes: number;
  start(): Promise<void>;
  kill(): Promise<void>;
  emit(events: readonly { eventId: string; orderId: string; state: string; occurredAtMs: number }[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole path of the chaos run, each part a process it can kill: agents (the SDK in a host
 * process, pg-outbox, amqp-tap) -> a balancer -> two collectors -> Kafka (6 partitions) -> a consumer
 * group of trackers -> PostgreSQL of the run's own, which it can restart (the source table lives there too).
 */
export interface ChaosStack {
  readonly dir: string;
  readonly token: string;
  readonly postgres: PrivatePostgres;
  /** The tracker's database and the pg-outbox sidecar's source database. */
  readonly trackerDb: Pool;
  readonly sourceDb: Pool;
  readonly amqpUrl: string;
  readonly balancer: TcpBalancer;
  readonly collectors: readonly ControlledProcess[];
  /** The tracker replicas now in the group (add and remove change it). */
  readonly trackers: ControlledProcess[];
  readonly sdkHost: SdkHost;
  readonly outbox: ControlledProcess;
  readonly tap: ControlledProcess;
  /** A tracker replica more, in the same group (a scale-out). */
  addTracker(): Promise<ControlledProcess>;
  /** The first replica leaves the group (SIGTERM: a scale-in). */
  removeTracker(): Promise<void>;
  restartKafka(): Promise<void>;
  /**
   * Every process's log tail, for a failure message: longer for a process that crashed (its stack
   * and what led to it), and the whole logs are then kept past stop() in `dir`, which it names.
   */
  logTails(): string;
  /** The processes that exited without being asked to (crashed), with how often: none in a sound run. */
  crashes(): string[];
  stop(): Promise<void>;
}

export async function startChaosStack(): Promise<ChaosStack> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run test:e2e and npm run chaos do)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-chaos-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  const processes: ControlledProcess[] = [];
  const token = `chaos-${randomBytes(12).toString('hex')}`;
  const postgres = await startPrivatePostgres();
  cleanups.push(postgres.stop);
  const trackerUrl = await postgres.createDatabase('tracker');
  const sourceUrl = await postgres.createDatabase('source');
  // Connections are cut by the PostgreSQL restart: the pools make new ones, errors of idle clients are expected.
  const pool = (url: string) => new Pool({ connectionString: url, max: 4 }).on('error', () => undefined);
  const trackerDb = pool(trackerUrl);
  const sourceDb = pool(sourceUrl);
  cleanups.push(() => trackerDb.end(), () => sourceDb.end());
  await sourceDb.query(`CREATE TABLE ${SOURCE_TABLE} (id text PRIMARY KEY, status text NOT NULL)`);
  const vhost = await createVhost('orderscope-chaos');
  cleanups.push(vhost.drop);
  await declareExchange(vhost.url);
  const topic = freshTopic('chaos');
  cleanups.push(() => deleteTopic(topic));

  const baseEnv = {
    ...process.env,
    NODE_OPTIONS: '',
    ORDERSCOPE_TOKEN: token,
    ORDERSCOPE_LOG_LEVEL: 'info',
    ORDERSCOPE_KAFKA_BROKERS: BROKERS.join(','),
    ORDERSCOPE_KAFKA_TOPIC: topic,
    ORDERSCOPE_KAFKA_PARTITIONS: String(TOPIC_PARTITIONS),
    ORDERSCOPE_KAFKA_GROUP_ID: `chaos-${randomUUID().slice(0, 8)}`,
  };
  const cli = (name: string, args: string[], ready: () => Promise<boolean>, env: NodeJS.ProcessEnv = baseEnv, url?: string) => {
    const p = controlledProcess({ name, command: process.execPath, args: [CLI, ...args], env, logFile: path.join(dir, `${name}.log`), ready, ...(url !== undefined && { url }) });
    processes.push(p);
    return p;
  };

  try {
    const collectorPorts = await freePorts(2);
    const collectors = collectorPorts.map((port, i) =>
      cli(`collector-${i + 1}`, ['collector', '--port', String(port)], readyAt(`http://127.0.0.1:${port}/readyz`), { ...baseEnv, ORDERSCOPE_COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: '0' }),
    );
    for (const c of collectors) await c.start();
    const balancer = await startTcpBalancer(collectorPorts);
    cleanups.push(balancer.close);

    const trackerEnv = {
      ...baseEnv,
      ORDERSCOPE_POSTGRES_URL: trackerUrl,
      // A killed replica's successor waits for its lease: short, so a restart rejoins soon.
      ORDERSCOPE_TRACKER_INSTANCE_LEASE_TTL_MS: '6000',
      ORDERSCOPE_TRACKER_INSTANCE_LEASE_RENEW_MS: '2000',
    };
    let replicas = 0;
    const newTracker = async () => {
      const port = await freePort();
      const name = `tracker-${++replicas}`;
      const url = `http://127.0.0.1:${port}`;
      return cli(name, ['tracker', '--port', String(port), '--instance', `chaos-${name}`, '--model', CHAOS_MODEL], readyAt(`${url}/readyz`), trackerEnv, url);
    };
    const trackers = [await newTracker(), await newTracker(), await newTracker()];
    await Promise.all(trackers.map((t) => t.start()));

    const agentArgs = ['--collector', balancer.url, '--token', token];
    const outboxPort = await freePort();
    const outbox = cli(
      'pg-outbox',
      ['agent', 'pg-outbox', '--database-url', sourceUrl, '--table', SOURCE_TABLE, '--state-column', 'status', '--source', 'erp', '--map', 'CONFIRMED=confirmed,PRODUCED=produced', '--poll-interval', '200ms', '--metrics-port', String(outboxPort), ...agentArgs],
      readyAt(`http://127.0.0.1:${outboxPort}/healthz`),
    );
    await outbox.start();
    // Its /healthz answers before it installed its outbox table at start.
    while ((await sourceDb.query<{ t: string | null }>(`SELECT to_regclass('orderscope_outbox')::text AS t`)).rows[0]!.t === null) await sleep(100);
    // The source's own log of what it emitted: every outbox row, copied in the transaction that wrote it.
    await sourceDb.query(`
      CREATE TABLE chaos_emitted (event_id uuid PRIMARY KEY, order_id text NOT NULL, state_value text NOT NULL, occurred_at timestamptz NOT NULL);
      CREATE FUNCTION chaos_log() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO chaos_emitted VALUES (NEW.event_id, NEW.order_id, NEW.state_value, NEW.occurred_at); RETURN NEW; END $$;
      CREATE TRIGGER chaos_log AFTER INSERT ON orderscope_outbox FOR EACH ROW EXECUTE FUNCTION chaos_log();`);

    const tapPort = await freePort();
    const tap = cli(
      'amqp-tap',
      [
        'agent',
        'amqp-tap',
        '--amqp-url',
        vhost.url,
        '--bind',
        `${TAP_EXCHANGE}:${TAP_ROUTING_KEY}=released`,
        '--order-id',
        'header:x-order-id',
        '--source',
        'mes',
        '--spool-dir',
        path.join(dir, 'spool-tap'),
        '--metrics-port',
        String(tapPort),
        ...agentArgs,
      ],
      readyAt(`http://127.0.0.1:${tapPort}/healthz`),
    );
    await tap.start();

    const sdkHostLog = path.join(dir, 'sdk-host.log');
    const sdkHost = startSdkHost({ ...baseEnv, COLLECTOR_URL: balancer.url, TOKEN: token, SPOOL_DIR: path.join(dir, 'spool-sdk') }, sdkHostLog);
    cleanups.push(sdkHost.stop);
    await sdkHost.start();

    // Every part the run can see crash, with its log.
    const parts = (): { name: string; crashes: number; logTail(lines: number): string }[] => [
      ...processes,
      { name: 'sdk-host', crashes: sdkHost.crashes, logTail: (lines) => logTailOf(sdkHostLog, lines) },
    ];
    let keepLogs = false;
    const stop = async () => {
      const failed: string[] = [];
      for (const p of [...processes].reverse()) await p.stop().catch((err: unknown) => failed.push(`${p.name}: ${String(err)}`));
      for (const c of cleanups.reverse()) await c().catch((err: unknown) => failed.push(String(err)));
      if (process.env.ORDERSCOPE_E2E_KEEP === '1' || keepLogs) console.log(`chaos: logs kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
      if (failed.length > 0) throw new Error(`teardown failed: ${failed.join('; ')}`);
    };
    return {
      dir,
      token,
      postgres,
      trackerDb,
      sourceDb,
      amqpUrl: vhost.url,
      balancer,
      collectors,
      trackers,
      sdkHost,
      outbox,
      tap,
      addTracker: async () => {
        const t = await newTracker();
        trackers.push(t);
        await t.start();
        return t;
      },
      removeTracker: async () => {
        const t = trackers.shift();
        await t?.stop();
      },
      restartKafka: async () => {
        await run('bash', [KAFKA_SCRIPT, 'stop']);
        await run('bash', [KAFKA_SCRIPT, 'start']);
      },
      logTails: () => {
        keepLogs = true;
        const tails = parts().map((p) => `--- ${p.name}${p.crashes > 0 ? ` (crashed ${p.crashes} time(s))` : ''}\n${p.logTail(p.crashes > 0 ? CRASHED_TAIL_LINES : TAIL_LINES)}`);
        return `${tails.join('\n')}\n(whole logs kept in ${dir})`;
      },
      crashes: () => parts().filter((p) => p.crashes > 0).map((p) => `${p.name} crashed ${p.crashes} time(s)`),
      stop,
    };
  } catch (err) {
    for (const p of processes) await p.stop().catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

async function declareExchange(url: string): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.assertExchange(TAP_EXCHANGE, 'topic', { durable: true });
  } finally {
    await connection.close();
  }
}

function startSdkHost(env: NodeJS.ProcessEnv, logFile: string): SdkHost {
  let child: ChildProcess | undefined;
  let batches = 0;
  let crashes = 0;
  let stopping = false;
  const waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const failAll = (why: string) => {
    for (const w of waiting.values()) w.reject(new Error(why));
    waiting.clear();
  };
  return {
    get crashes() {
      return crashes;
    },
    start: async () => {
      if (alive()) return;
      stopping = false;
      const log = openSync(logFile, 'a');
      try {
        child = fork(SDK_HOST, [], { execArgv: ['--require', REGISTER_TS], env, stdio: ['ignore', log, log, 'ipc'] });
      } finally {
        closeSync(log);
      }
      const started = child;
      started.on('message', (m: { type: string; batch?: number }) => {
        if (m.type !== 'durable') return;
        waiting.get(m.batch!)?.resolve();
        waiting.delete(m.batch!);
      });
      started.once('exit', () => {
        if (!stopping) crashes++;
        failAll('the SDK host exited');
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          started.kill('SIGKILL');
          reject(new Error(`the SDK host was not ready within 60 s (its spool not open?); see ${logFile}`));
        }, 60_000);
        started.once('message', () => (clearTimeout(timer), resolve()));
        started.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the SDK host exited (code ${code}) before it was ready; see ${logFile}`))));
      });
    },
    kill: async () => {
      if (!alive()) return;
      stopping = true;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child!.kill('SIGKILL');
      await exited;
    },
    emit: (events) => {
      if (!alive()) return Promise.reject(new Error('the SDK host is down'));
      const batch = ++batches;
      return new Promise<void>((resolve, reject) => {
        // An answer that never comes (a flush that hangs) fails the batch, which the driver sends again.
        const timer = setTimeout(() => {
          waiting.delete(batch);
          reject(new Error(`the SDK host did not answer batch ${batch} within 60 s`));
        }, 60_000);
        waiting.set(batch, { resolve: () => (clearTimeout(timer), resolve()), reject: (err) => (clearTimeout(timer), reject(err)) });
        child!.send({ type: 'emit', batch, events }, (err) => {
          if (err) {
            waiting.delete(batch);
            reject(err);
          }
        });
      });
    },
    stop: async () => {
      if (!alive()) return;
      stopping = true;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child!.kill('SIGTERM');
      await exited;
    },
  };
}

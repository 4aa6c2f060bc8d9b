import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../common';
import { printFigures } from './report-figures';
import { flag, kafkaClients, text, UsageError } from './support/args';
import { adminQuery, withDatabase } from './support/database';
import { checkStore, deleteTopic, eventStream, measureTrackers, produce, TRACKER_NODE_OPTIONS, type StreamSpec, type TrackerRun } from './support/tracker-run';

/** The arguments it takes, for `npm run bench -- tracker --help` and for a wrong argument. */
export const usage = 'tracker [--events N] [--orders M] [--client kafkajs|platformatic|both] [--cpu-prof DIR]';

/**
 * `npm run bench -- tracker` (its arguments: `usage` below): events
 * applied per second, end to end (Kafka -> `orderscope tracker` -> PostgreSQL), beside the ceiling
 * measured in the same run: a PostgreSQL `COPY ... FROM STDIN` of the same events into a table
 * without any index, right before and right after each tracker run (the machine's speed drifts
 * within a minute; a COPY takes a second, the tracker tens of them), the ceiling being their mean.
 * Also prints the tracker's peak RSS, with the heap bound it is deployed with (deploy/servers.ts).
 * With both Kafka clients (the default), the stream is published and applied once on each (a topic
 * each, an empty store each), and the ratio between them is printed too.
 *
 * The stream is what a busy pipeline sends: orders start one after another and move through the
 * process model, so at any time some tens of thousands are in flight and a batch touches thousands
 * of orders that already have events; one event in a hundred arrives late (1000 events later).
 *
 * `--cpu-prof DIR` has the tracker process write V8's CPU profile of its whole run to DIR (one
 * file per client), for Chrome's DevTools or `node dist/bench/support/cpu-profile.js`. The profiler
 * costs the tracker time of its own: the figures of such a run are not compared with others.
 *
 * Needs Kafka (scripts/kafka.sh start) and PostgreSQL (postgres.url / ORDERSCOPE_POSTGRES_URL: the
 * bench creates and drops its own database and topic there).
 */
export async function run(args: string[]): Promise<void> {
  const { clients, rest } = kafkaClients(args);
  const events = flag(rest, '--events', 1_000_000);
  const orders = flag(rest, '--orders', 100_000);
  const cpuProfDir = text(rest, '--cpu-prof');
  if (events < orders) throw new UsageError(`--events (${events}) must be at least --orders (${orders}): every order has at least one event`);
  const config = loadConfig();
  const runId = randomBytes(4).toString('hex');
  const database = `orderscope_bench_${runId}`;
  const topic = `orderscope-bench-${runId}`;
  const stream = { events, orders, runId };
  console.log(
    `tracker bench: ${events.toLocaleString('en-US')} events over ${orders.toLocaleString('en-US')} orders; database ${database}, topics ${topic}-<client>, Kafka clients ${clients.join(' and ')}`,
  );

  // CREATE/DROP DATABASE run on the server's maintenance database, the bench on its own.
  const adminUrl = withDatabase(config.postgres.url, 'postgres');
  const benchUrl = withDatabase(config.postgres.url, database);
  await adminQuery(adminUrl, `CREATE DATABASE ${database}`);
  const topics: string[] = [];
  try {
    let copyBefore = await measureCopy(benchUrl, stream);
    console.log(`  COPY ceiling before: ${Math.round(copyBefore).toLocaleString('en-US')} events/s`);

    const runs: { client: string; rate: number; published: number }[] = [];
    for (const client of clients) {
      // Each client's tracker starts from an empty store, as the first did: none finds the events already there.
      if (runs.length > 0) {
        await adminQuery(adminUrl, `DROP DATABASE ${database} WITH (FORCE)`);
        await adminQuery(adminUrl, `CREATE DATABASE ${database}`);
      }
      const kafka = { ...config.kafka, client, topic: `${topic}-${client}`, groupId: `orderscope-bench-${runId}-${client}` };
      topics.push(kafka.topic);
      const produced = await produce(kafka, stream);
      console.log(`  published to Kafka with ${client} at ${Math.round(produced).toLocaleString('en-US')} events/s (setup, not measured against)`);

      const profile = cpuProfDir === undefined ? undefined : path.resolve(cpuProfDir, `tracker-${client}.cpuprofile`);
      const nodeArgs = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.dirname(profile)}`, `--cpu-prof-name=${path.basename(profile)}`];
      const tracker = await measureTrackers(benchUrl, kafka, events, { env: { ORDERSCOPE_KAFKA_CLIENT: client }, nodeArgs });
      if (profile !== undefined) console.log(existsSync(profile) ? `  CPU profile: ${profile}` : `  no CPU profile was written to ${profile} (the tracker did not exit cleanly)`);
      await checkStore(benchUrl, stream);
      const copyAfter = await measureCopy(benchUrl, stream);
      const copyRate = (copyBefore + copyAfter) / 2;
      console.log(`  COPY ceiling after: ${Math.round(copyAfter).toLocaleString('en-US')} events/s`);
      runs.push({ client, rate: tracker.rate, published: produced });
      printFigures(
        `tracker on ${client}: ${events.toLocaleString('en-US')} events, ${orders.toLocaleString('en-US')} orders${profile === undefined ? '' : ' (under --cpu-prof: not to be compared with other runs)'}`,
        [
          { label: 'tracker, Kafka -> tracker -> PostgreSQL', value: tracker.rate, unit: 'events/s' },
          { label: 'ceiling, COPY into an unindexed table', value: copyRate, unit: `events/s (mean of ${Math.round(copyBefore).toLocaleString('en-US')} before and ${Math.round(copyAfter).toLocaleString('en-US')} after)` },
          { label: 'tracker peak RSS', value: tracker.peakRssBytes / 2 ** 20, unit: `MiB (node ${TRACKER_NODE_OPTIONS}, as deployed)` },
          { label: 'tracker batches applied', value: tracker.batches, unit: `(mean ${Math.round(events / Math.max(1, tracker.batches))} events)` },
          // What applying costs besides its rate, in cores over the timed part: one Node.js thread tops out near 1.
          { label: 'cores used by the tracker process', value: tracker.cores.trackers, unit: 'cores' },
          { label: 'cores used by PostgreSQL', value: tracker.cores.postgres, unit: 'cores' },
          // Summed over the partitions applied at once, so above 100 % when they overlap.
          { label: 'apply transactions in flight, on average', value: tracker.applyShare, unit: '(time in apply transactions / wall time)' },
          ...costRows(tracker, copyRate),
        ],
        { label: 'tracker / COPY', value: tracker.rate / copyRate },
      );
      // The next client's run is timed between this COPY and one of its own.
      copyBefore = copyAfter;
    }
    const [first, second] = runs;
    if (first && second) {
      printFigures(
        'the Kafka clients compared, same run',
        runs.flatMap(({ client, rate, published }) => [
          { label: `tracker on ${client}`, value: rate, unit: 'events/s' },
          { label: `publishing the stream with ${client}`, value: published, unit: 'events/s' },
        ]),
        { label: `tracker on ${second.client} / on ${first.client}`, value: second.rate / first.rate },
      );
    }
  } finally {
    for (const t of topics) await deleteTopic(config.kafka.brokers, t).catch((err: unknown) => console.error(`could not delete topic ${t}: ${String(err)}`));
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

/**
 * What an applied event costs in CPU, each process apart, and the most this machine could apply at
 * those costs with all its cores on the tracker's path (tracker, PostgreSQL, broker) and nothing
 * else: the ceiling that the ratio to COPY meets on this machine whatever the tracker overlaps or
 * waits on. COPY is one backend on one core; the tracker's path spreads over all of them, so the
 * ceiling rises with cores and the ratio with it.
 */
function costRows(run: TrackerRun, copyRate: number): { label: string; value: number; unit: string }[] {
  const costs = [
    { label: 'CPU per event: the tracker process', value: (run.cores.trackers / run.rate) * 1e6, unit: 'µs' },
    { label: 'CPU per event: PostgreSQL', value: (run.cores.postgres / run.rate) * 1e6, unit: 'µs' },
    { label: 'CPU per event: the Kafka broker', value: (run.cores.kafka / run.rate) * 1e6, unit: 'µs' },
  ];
  const cores = availableParallelism();
  const ceiling = (cores / costs.reduce((sum, c) => sum + c.value, 0)) * 1e6;
  return [
    ...costs,
    {
      label: `this machine's ${cores} cores at these costs`,
      value: ceiling,
      unit: `events/s at most, so tracker / COPY ≤ ${(ceiling / copyRate).toFixed(3)} here`,
    },
  ];
}

/** Events/s of COPY FROM STDIN of the whole stream (text format) into a table like events, without indexes. */
async function measureCopy(url: string, spec: StreamSpec): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // Measured again after each tracker run, into an empty table each time.
    await client.query('DROP TABLE IF EXISTS copy_ceiling');
    await client.query(`CREATE TABLE copy_ceiling (event_id uuid, order_id text, source text, state text, occurred_at timestamptz, seq bigint,
      trace_id text, span_id text, attributes jsonb, received_at timestamptz DEFAULT now())`);
    const lines = Readable.from(
      (function* () {
        let chunk = '';
        for (const e of eventStream(spec)) {
          chunk += `${[e.event_id, e.order_id, e.source, e.state, e.occurred_at, String(e.seq), e.trace_id ?? null, e.span_id ?? null, JSON.stringify(e.attributes)].map(copyText).join('\t')}\n`;
          if (chunk.length > 256 * 1024) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
      })(),
    );
    const began = process.hrtime.bigint();
    await pipeline(lines, client.query(copyFrom('COPY copy_ceiling (event_id, order_id, source, state, occurred_at, seq, trace_id, span_id, attributes) FROM STDIN')));
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    return spec.events / seconds;
  } finally {
    await client.end();
  }
}

/** A value in COPY's text format: \N for NULL, backslash escapes for the separators. */
function copyText(value: string | null): string {
  return value === null ? '\\N' : value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

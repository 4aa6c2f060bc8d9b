import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createKafkaClient, deleteTopicAndGroup } from '../../bus';
import { configSchema, parseDuration, silentLogger, ConfigError } from '../../common';
import { PREVIEW_SECRET_KEYS, previewNames, previewUrl, provision, renderPreview, renderPreviewDeletion, unprovision, type ProvisionStep, type SharedServers } from '../../deploy/preview';

interface PreviewCliOptions {
  branch: string;
  image?: string;
  commit?: string;
  ttl: number;
  domain?: string;
  set?: string[];
  delete?: boolean;
  out?: string;
}

interface ServerCliOptions {
  database?: string[];
  vhost?: string;
  postgresServer?: string;
  rabbitmqManagementUrl?: string;
  amqpServer?: string;
}

const DEFAULT_TTL = '72h';
const repeat = (v: string, all: string[] = []) => [...all, v];

/** `orderscope deploy`: preview environments per branch on Kubernetes, and what they provision on the shared servers. */
export function registerDeploy(program: Command): void {
  const deploy = program.command('deploy').description('Preview environments: one per branch on Kubernetes, beside the shared Kafka, PostgreSQL, RabbitMQ and Redis.');

  deploy
    .command('preview')
    .description('Print the Kubernetes objects of the preview environment of a branch (for kubectl apply -f -), or with --delete what removes it.')
    .requiredOption('--branch <name>', 'the git branch, as it is named (slashes and capitals are fine)')
    .option('--image <ref>', 'the image built from the branch, with registry and tag, e.g. ghcr.io/acme/orderscope:3f2c1ab')
    .option('--commit <sha>', 'the commit the image was built from (a label on every object)')
    .addOption(new Option('--ttl <duration>', `how long the preview lives after this render; applying again renews it (default ${DEFAULT_TTL})`).argParser(parseTtl).default(parseTtl(DEFAULT_TTL), DEFAULT_TTL))
    .option('--domain <domain>', 'serve the tracker at https://<namespace>.<domain>/ through an Ingress (default: no Ingress)')
    .option('--set <KEY=VALUE>', 'a value of the environment ConfigMap on this cluster, e.g. ORDERSCOPE_KAFKA_BROKERS=kafka.infra:9092 (repeatable)', repeat)
    .option('--delete', 'print what removes the preview instead: the list, and a Job that drops its databases, vhost, topic and group')
    .option('-o, --out <file>', 'where to write (default: standard output)')
    .addHelpText(
      'after',
      `
Each preview gets a namespace (pv-<branch>-<hash>), its own Kafka topic and consumer group, its own
PostgreSQL databases and RabbitMQ vhost on the shared servers, and its own Redis keys. Every pod first
creates its database and vhost if missing (orderscope deploy provision). Create the Secret first:
  kubectl create namespace <namespace>   # or let the applied Namespace create it, then:
  kubectl -n <namespace> create secret generic orderscope-secrets \\
    --from-literal=ORDERSCOPE_TOKEN=... \\
    --from-literal=${PREVIEW_SECRET_KEYS.postgres}=postgres://previews:...@postgres.infra:5432 \\
    --from-literal=${PREVIEW_SECRET_KEYS.amqp}=amqp://previews:...@rabbitmq.infra:5672 \\
    --from-literal=${PREVIEW_SECRET_KEYS.rabbitmqManagement}=http://previews:...@rabbitmq.infra:15672

Examples:
  orderscope deploy preview --branch feature/quotes --image ghcr.io/acme/orderscope:3f2c1ab | kubectl apply -f -
  orderscope deploy preview --branch feature/quotes --delete -o cleanup.yaml
A complete workflow for GitHub Actions: deploy/ci/preview.yml (README, "Preview environments").`,
    )
    .action(async (opts: PreviewCliOptions) => {
      const names = previewNames(opts.branch);
      if (!opts.image) throw new ConfigError('--image is missing: give the image built from the branch, e.g. --image ghcr.io/acme/orderscope:3f2c1ab');
      const text = opts.delete
        ? await renderPreviewDeletion(names, opts.image)
        : await renderPreview({
            names,
            image: opts.image,
            ...(opts.commit && { commit: opts.commit }),
            ttlMs: opts.ttl,
            now: Date.now(),
            ...(opts.domain && { domain: opts.domain }),
            environment: parseSettings(opts.set ?? []),
          });
      if (opts.out === undefined || opts.out === '-') process.stdout.write(text);
      else writeFileSync(opts.out, text);
      const url = previewUrl(names, opts.domain);
      console.error(opts.delete ? `what removes the preview of ${opts.branch} (namespace ${names.namespace}) is listed at the top` : `preview of ${opts.branch}: namespace ${names.namespace}${url ? `, home page ${url}` : ''}`);
    });

  serverOptions(
    deploy
      .command('provision')
      .description("Create a preview's databases and vhost on the shared servers if they are missing (what each preview pod's init container runs; safe to run again)."),
  ).action(async (opts: ServerCliOptions) => report(await provision(sharedServers(opts), targets(opts))));

  serverOptions(
    deploy
      .command('unprovision')
      .description("Drop a preview's databases, vhost, Kafka topic and consumer group from the shared servers (what the clean-up Job of --delete runs).")
      .option('--topic <name>', 'the Kafka topic to delete')
      .option('--group <id>', 'the Kafka consumer group to delete (its trackers must be stopped)')
      .option('--kafka-brokers <list>', 'Kafka brokers, comma-separated (default: $ORDERSCOPE_KAFKA_BROKERS)'),
  ).action(async (opts: ServerCliOptions & { topic?: string; group?: string; kafkaBrokers?: string }) => {
    const steps = await unprovision(sharedServers(opts), targets(opts));
    if (opts.topic !== undefined || opts.group !== undefined) {
      if (opts.topic === undefined || opts.group === undefined) throw new ConfigError('--topic and --group go together: a preview has one of each');
      const brokers = (opts.kafkaBrokers ?? process.env.ORDERSCOPE_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
      if (brokers.length === 0) throw new ConfigError('Kafka is not set: pass --kafka-brokers or ORDERSCOPE_KAFKA_BROKERS');
      const kafka = createKafkaClient({ ...configSchema.parse({}).kafka, brokers }, silentLogger());
      const result = await deleteTopicAndGroup(kafka, opts.topic, opts.group);
      steps.push({ what: `topic ${opts.topic}`, outcome: result.topic === 'deleted' ? 'dropped' : 'absent' }, { what: `consumer group ${opts.group}`, outcome: result.group === 'deleted' ? 'dropped' : 'absent' });
    }
    report(steps);
  });
}

function serverOptions(command: Command): Command {
  return command
    .option('--database <name>', 'a database (repeatable)', repeat)
    .option('--vhost <name>', 'a RabbitMQ vhost')
    .option('--postgres-server <url>', `postgres://user:password@host:port, no database (default: $${PREVIEW_SECRET_KEYS.postgres})`)
    .option('--rabbitmq-management-url <url>', `RabbitMQ's management API, http://user:password@host:15672 (default: $${PREVIEW_SECRET_KEYS.rabbitmqManagement})`)
    .option('--amqp-server <url>', `amqp://user:password@host:port: its user gets the vhost's permissions (default: $${PREVIEW_SECRET_KEYS.amqp})`);
}

function sharedServers(opts: ServerCliOptions): SharedServers {
  const env = process.env;
  const pick = (flag: string | undefined, key: string) => flag ?? env[key];
  const servers: Record<string, string | undefined> = {
    postgresServer: pick(opts.postgresServer, PREVIEW_SECRET_KEYS.postgres),
    rabbitmqManagementUrl: pick(opts.rabbitmqManagementUrl, PREVIEW_SECRET_KEYS.rabbitmqManagement),
    amqpServer: pick(opts.amqpServer, PREVIEW_SECRET_KEYS.amqp),
  };
  return Object.fromEntries(Object.entries(servers).filter(([, v]) => v !== undefined)) as SharedServers;
}

function targets(opts: ServerCliOptions): { databases: string[]; vhost?: string } {
  return { databases: opts.database ?? [], ...(opts.vhost !== undefined && { vhost: opts.vhost }) };
}

/** One line per step, never a URL: they carry passwords. */
function report(steps: readonly ProvisionStep[]): void {
  const lines = steps.map((s) => `${s.what}: ${s.outcome}`);
  process.stdout.write(`${(lines.length > 0 ? lines : ['nothing to do: name a --database, a --vhost, or a --topic and --group']).join('\n')}\n`);
}

function parseTtl(text: string): number {
  const parsed = parseDuration(text);
  if ('error' in parsed) throw new ConfigError(`--ttl: ${parsed.error}`);
  return parsed.seconds * 1000;
}

function parseSettings(settings: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of settings) {
    const at = s.indexOf('=');
    if (at <= 0) throw new ConfigError(`--set ${s}: write KEY=VALUE, e.g. --set ORDERSCOPE_KAFKA_BROKERS=kafka.infra:9092`);
    out[s.slice(0, at)] = s.slice(at + 1);
  }
  return out;
}

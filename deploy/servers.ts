import { configEnvNames, configSchema, envName } from '../common';
import { SERVICE_OPTIONS, SERVICES, type ServiceName } from '../pipeline';
import { AGENT_TRACING_ENV } from '../agents/node';

/**
 * What the deployments (docker-compose.yml, the Kubernetes manifests) need to know about each server
 * of orderscope's image, taken from the code the servers run: the same config schema, the same
 * pipeline options. The compose test and the Kubernetes generator and test read them here, so a
 * port or a variable is never written down twice.
 */

/** A server of the image: the collector, the tracker or a service of the pipeline. */
export type ServerName = 'collector' | 'tracker' | ServiceName;

/** The image's entrypoint is the CLI: the server a container runs, from its arguments. */
export function serverOf(args: readonly string[]): ServerName | undefined {
  const [command, sub] = args;
  if (command === 'collector' || command === 'tracker') return command;
  if (command === 'pipeline' && (SERVICES as readonly string[]).includes(sub ?? '')) return sub as ServiceName;
  return undefined;
}

/** The arguments that run `server` (the inverse of {@link serverOf}). */
export function argsOf(server: ServerName): string[] {
  return server === 'collector' || server === 'tracker' ? [server] : ['pipeline', server];
}

export interface Listener {
  /** The port the server listens on, with `env` as its environment. */
  readonly port: number;
  /** The variable that sets the port, and the one that sets the address it binds. */
  readonly portEnv: string;
  readonly hostEnv: string;
  /** The port when the variable is not set. */
  readonly defaultPort: number;
}

const CONFIG_DEFAULTS = configSchema.parse({});

/** Where `server` listens when its environment is `env`: the value of its port variable, else the default it reads. */
export function listenerOf(server: ServerName, env: Readonly<Record<string, string | number | undefined>> = {}): Listener {
  const { portEnv, hostEnv, defaultPort } =
    server === 'collector' || server === 'tracker'
      ? { portEnv: envName([server, 'port']), hostEnv: envName([server, 'host']), defaultPort: CONFIG_DEFAULTS[server].port }
      : pipelineListener(server);
  const value = env[portEnv];
  return { port: value === undefined ? defaultPort : Number(value), portEnv, hostEnv, defaultPort };
}

function pipelineListener(service: ServiceName): Omit<Listener, 'port'> {
  const option = (key: string) => SERVICE_OPTIONS[service].find((o) => o.key === key)!;
  return { portEnv: option('port').env, hostEnv: option('host').env, defaultPort: Number(option('port').default) };
}

/**
 * Every environment variable `server` reads. The collector and the tracker read the config schema's
 * (common/config.ts); a pipeline service its options (pipeline/config/service-config.ts) and, through
 * its agent, where spans go (agents/node/agent-options.ts); the tracker's Node.js its heap bound
 * ({@link nodeOptionsOf}).
 */
export function environmentOf(server: ServerName): ReadonlySet<string> {
  if (server === 'tracker') return new Set([...configEnvNames(), 'NODE_OPTIONS']);
  if (server === 'collector') return new Set(configEnvNames());
  return new Set([...SERVICE_OPTIONS[server].map((o) => o.env), ...AGENT_TRACING_ENV]);
}

/**
 * The bound of the tracker's V8 heap, in MiB (Node.js's --max-old-space-size). Unbounded, V8 lets a
 * busy tracker's heap grow far past what is live: the batches of kafka.partitionsConsumedConcurrently
 * partitions, up to kafka.maxBytesPerPartition each, held as messages, events, plans and statement
 * parameters until their transactions commit. 256 MiB keeps the rate; a lower bound saved little
 * memory for a tenth to a quarter of the rate, and below about 150 MiB the tracker ran out of heap
 * (README.md, "Memory", has the runs). Raising either kafka setting needs a higher bound.
 */
export const TRACKER_HEAP_MIB = 256;

/**
 * The bound of each of the two halves of the tracker's young generation, in MiB (Node.js's
 * --max-semi-space-size). The image runs Node.js 24 (Dockerfile), whose V8 grows them far larger
 * than Node.js 20 did: beside the 256 MiB heap the tracker then peaked at 339 to 350 MiB resident.
 * At 8 MiB it peaked at 233 to 241 MiB and spent 46.1 µs of CPU per event (mean of five runs of
 * `npm run bench -- tracker --events 300000 --orders 30000`), against 40.7 µs unbounded, 47.2 µs at
 * 16 MiB and 51.2 µs at 4 MiB, and 66.5 µs on Node.js 20 with its defaults. On Node.js 20 the bound
 * changes the rate by nothing the bench can read and saves about 20 MiB (README.md, "Memory").
 */
export const TRACKER_SEMI_SPACE_MIB = 8;

/** NODE_OPTIONS of a server's process, as every deployment sets it (and the tracker benchmarks run it), or undefined for none. */
export function nodeOptionsOf(server: ServerName): string | undefined {
  return server === 'tracker' ? `--max-old-space-size=${TRACKER_HEAP_MIB} --max-semi-space-size=${TRACKER_SEMI_SPACE_MIB}` : undefined;
}

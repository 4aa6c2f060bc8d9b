import type { Config } from '../../../common';

/**
 * @platformatic/kafka is an ES module only, and this project is CommonJS: it is loaded with
 * `import()`, once per process (Jest's ES module loader fails on a module imported twice at once),
 * and only when the config asks for it, so that a kafkajs deployment never loads it.
 */
function importPlatformatic() {
  return import('@platformatic/kafka');
}

let loading: ReturnType<typeof importPlatformatic> | undefined;

/** The module's exports, for types: `InstanceType<Platformatic['Admin']>`. */
export type Platformatic = Awaited<ReturnType<typeof importPlatformatic>>;

/** The @platformatic/kafka module. */
export function loadPlatformatic(): ReturnType<typeof importPlatformatic> {
  return (loading ??= importPlatformatic());
}

/**
 * The options every client of one config shares. Few, short retries inside the client, as for
 * kafkajs: the caller's deadline decides how long to wait.
 */
export function baseOptions(config: Config['kafka']) {
  return {
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    connectTimeout: config.connectionTimeoutMs,
    timeout: config.requestTimeoutMs,
    retries: 2,
    retryDelay: 100,
  };
}

/**
 * Closes a client even while it has streams open (a consumer leaves its group first). Through the
 * callback: the typings give `close(true)` the overload that returns nothing.
 */
export function closeForcibly(client: { close(force: boolean, callback: (error?: Error | null) => void): void }): Promise<void> {
  return new Promise((resolve, reject) => client.close(true, (error) => (error ? reject(error) : resolve())));
}

import { Client } from 'pg';
import { ConfigError, UnavailableError, describeError } from '../../common';

/**
 * What a preview environment has on the shared servers besides its namespace: PostgreSQL databases
 * and a RabbitMQ vhost, created before its services start (`orderscope deploy provision`, in each
 * pod's init container, so idempotent and safe when two pods run it at once) and dropped when the
 * preview goes (`orderscope deploy unprovision`). The Kafka topic needs no provisioning: the
 * collector and the trackers create it; unprovisioning deletes it with the consumer group.
 */

export interface SharedServers {
  /** postgres://user:password@host:port, without a database: the previews' databases go beside each other on it. */
  readonly postgresServer?: string;
  /** http(s)://user:password@host:15672: RabbitMQ's management API, which creates and deletes vhosts. */
  readonly rabbitmqManagementUrl?: string;
  /** amqp://user:password@host:port: the user the services connect as, who gets every permission on the vhost. */
  readonly amqpServer?: string;
}

export type Outcome = 'created' | 'exists' | 'dropped' | 'absent';
export interface ProvisionStep {
  readonly what: string;
  readonly outcome: Outcome;
}

/**
 * Another pod created the database between our look and our CREATE: duplicate_database, or, when
 * both CREATEs run at once, unique_violation on the catalogue's index of database names.
 */
const CREATED_BY_ANOTHER = new Set(['42P04', '23505']);

export async function provision(servers: SharedServers, targets: { databases: readonly string[]; vhost?: string }): Promise<ProvisionStep[]> {
  const steps: ProvisionStep[] = [];
  if (targets.databases.length > 0) {
    await withServer(postgresServerOf(servers), async (client) => {
      for (const name of targets.databases) {
        let outcome: Outcome = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount! > 0 ? 'exists' : 'created';
        if (outcome === 'created') {
          try {
            await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
          } catch (err) {
            if (!CREATED_BY_ANOTHER.has((err as { code?: string }).code ?? '')) throw err;
            outcome = 'exists';
          }
        }
        steps.push({ what: `database ${name}`, outcome });
      }
    });
  }
  if (targets.vhost !== undefined) {
    const api = managementApi(servers);
    const path = `/api/vhosts/${encodeURIComponent(targets.vhost)}`;
    const exists = (await api('GET', path, [200, 404])) === 200;
    if (!exists) await api('PUT', path, [201, 204]);
    // The services' user may configure, write and read everything in its own vhost, and nothing else.
    const user = amqpUserOf(servers);
    await api('PUT', `/api/permissions/${encodeURIComponent(targets.vhost)}/${encodeURIComponent(user)}`, [201, 204], { configure: '.*', write: '.*', read: '.*' });
    steps.push({ what: `vhost ${targets.vhost}`, outcome: exists ? 'exists' : 'created' });
  }
  return steps;
}

export async function unprovision(servers: SharedServers, targets: { databases: readonly string[]; vhost?: string }): Promise<ProvisionStep[]> {
  const steps: ProvisionStep[] = [];
  if (targets.databases.length > 0) {
    await withServer(postgresServerOf(servers), async (client) => {
      for (const name of targets.databases) {
        const exists = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount! > 0;
        // FORCE: a pod still connected (one left running) would otherwise keep the database.
        if (exists) await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
        steps.push({ what: `database ${name}`, outcome: exists ? 'dropped' : 'absent' });
      }
    });
  }
  if (targets.vhost !== undefined) {
    const status = await managementApi(servers)('DELETE', `/api/vhosts/${encodeURIComponent(targets.vhost)}`, [204, 404]);
    steps.push({ what: `vhost ${targets.vhost}`, outcome: status === 404 ? 'absent' : 'dropped' });
  }
  return steps;
}

function postgresServerOf(servers: SharedServers): string {
  const url = required(servers.postgresServer, 'the PostgreSQL server', '--postgres-server or PREVIEW_POSTGRES_SERVER');
  const parsed = parseUrl(url, 'the PostgreSQL server URL', ['postgres', 'postgresql']);
  if (parsed.pathname !== '' && parsed.pathname !== '/') {
    throw new ConfigError(`the PostgreSQL server URL names a database (${parsed.pathname.slice(1)}); give the server only, as postgres://user:password@host:5432: each preview adds its own databases`);
  }
  // The manifests append "/<database>" to it: a trailing "/" or a query would make another URL.
  if (url.endsWith('/') || parsed.search !== '') {
    throw new ConfigError('the PostgreSQL server URL must end with its port, as postgres://user:password@host:5432, without a trailing "/" or a query: the manifests append "/<database>" to it');
  }
  return url;
}

async function withServer(serverUrl: string, use: (client: Client) => Promise<void>): Promise<void> {
  const url = new URL(serverUrl);
  // CREATE and DROP DATABASE run from the maintenance database, never from one of the previews'.
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), application_name: 'orderscope-deploy' });
  try {
    await client.connect();
  } catch (err) {
    throw new UnavailableError(`cannot reach PostgreSQL at ${url.host}: ${describeError(err)}`, err);
  }
  try {
    await use(client);
  } finally {
    await client.end();
  }
}

type ManagementCall = (method: string, path: string, expected: readonly number[], body?: unknown) => Promise<number>;

/** RabbitMQ's management HTTP API; the URL's user and password become Basic authentication (fetch refuses credentials in a URL). */
function managementApi(servers: SharedServers): ManagementCall {
  const base = parseUrl(required(servers.rabbitmqManagementUrl, "RabbitMQ's management API", '--rabbitmq-management-url or PREVIEW_RABBITMQ_MANAGEMENT_URL'), "RabbitMQ's management URL", ['http', 'https']);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
  base.username = '';
  base.password = '';
  const root = base.toString().replace(/\/$/, '');
  return async (method, path, expected, body) => {
    let res: Response;
    try {
      res = await fetch(`${root}${path}`, {
        method,
        headers: { authorization, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new UnavailableError(`cannot reach RabbitMQ's management API at ${base.host}: ${describeError(err)}`, err);
    }
    const text = await res.text();
    if (!expected.includes(res.status)) throw new UnavailableError(`RabbitMQ's management API answered ${method} ${path} with ${res.status}: ${text.slice(0, 300)}`);
    return res.status;
  };
}

function amqpUserOf(servers: SharedServers): string {
  const url = parseUrl(required(servers.amqpServer, 'the RabbitMQ server', '--amqp-server or PREVIEW_AMQP_SERVER'), 'the RabbitMQ server URL', ['amqp', 'amqps']);
  if (!url.username) throw new ConfigError('the RabbitMQ server URL has no user: give it as amqp://user:password@host:5672, the user the services connect as');
  if (url.pathname !== '' || url.search !== '') throw new ConfigError('the RabbitMQ server URL must end with its port, as amqp://user:password@host:5672: the manifests append "/<vhost>" to it');
  return decodeURIComponent(url.username);
}

function required(value: string | undefined, what: string, where: string): string {
  if (value === undefined || value === '') throw new ConfigError(`${what} is not set: pass ${where}`);
  return value;
}

function parseUrl(text: string, what: string, schemes: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${what} is not a URL`);
  }
  if (!schemes.includes(url.protocol.slice(0, -1))) throw new ConfigError(`${what} must start with ${schemes.map((s) => `${s}://`).join(' or ')}, not ${url.protocol}//`);
  return url;
}

/** A PostgreSQL identifier in double quotes, with any quote in it doubled. */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

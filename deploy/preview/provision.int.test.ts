import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { runCli } from '../../cli/test/run-cli';
import { BROKERS } from '../../bus/test/kafka-topic';
import { TEST_AMQP_URL } from '../../bench/support/rabbitmq-vhost';
import { TEST_PG_URL } from '../../tracker/test/postgres';
import { previewNames, previewObjects, provision, unprovision, unprovisionArgs } from '.';

/*
 * A preview's databases and vhost on the real PostgreSQL and RabbitMQ (its management API, which
 * scripts/services.sh turns on, on loopback), its topic and group on the real Kafka, and its Redis
 * keys on the real Redis: created once however often provisioning runs, and gone after unprovisioning.
 */

const server = (() => {
  const url = new URL(TEST_PG_URL);
  url.pathname = '';
  return url.toString().replace(/\/$/, '');
})();
const amqpServer = TEST_AMQP_URL;
const management = (() => {
  const url = new URL(TEST_AMQP_URL);
  return `http://${url.username}:${url.password}@${url.hostname}:15672`;
})();
const servers = { postgresServer: server, rabbitmqManagementUrl: management, amqpServer };
/** A branch no other run uses: the names derive from it. */
const branch = `test/provision-${randomBytes(4).toString('hex')}`;
const names = previewNames(branch);

async function databasesThatExist(list: readonly string[]): Promise<string[]> {
  const client = new Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return (await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname', [list])).rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

async function vhostAccepts(vhost: string): Promise<boolean> {
  const url = new URL(amqpServer);
  url.pathname = `/${encodeURIComponent(vhost)}`;
  try {
    const connection = await amqp.connect(url.toString());
    const channel = await connection.createChannel();
    await channel.assertQueue('mes.pricing', { durable: true });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  await unprovision(servers, { databases: Object.values(names.databases), vhost: names.vhost }).catch(() => undefined);
});

describe('provisioning a preview environment on the shared servers', () => {
  const databases = Object.values(names.databases);

  it('creates its databases and vhost once, however often it runs, and at once from two pods', async () => {
    expect(await databasesThatExist(databases)).toEqual([]);
    expect(await vhostAccepts(names.vhost)).toBe(false);
    const [a, b] = await Promise.all([provision(servers, { databases, vhost: names.vhost }), provision(servers, { databases, vhost: names.vhost })]);
    // Two init containers racing: each database was created by one of them, and the other found it.
    for (const [i, db] of databases.entries()) expect([db, [a[i]!.outcome, b[i]!.outcome].sort()]).toEqual([db, ['created', 'exists']]);
    expect(await databasesThatExist(databases)).toEqual([...databases].sort());
    expect(await vhostAccepts(names.vhost)).toBe(true);
    const again = await runCli('deploy', 'provision', '--database', names.databases.shop, '--vhost', names.vhost, '--postgres-server', server, '--rabbitmq-management-url', management, '--amqp-server', amqpServer);
    expect(again.out).toBe(`database ${names.databases.shop}: exists\nvhost ${names.vhost}: exists\n`);
  });

  it('keeps its Redis keys apart from every other preview with the prefix in its Redis URL', async () => {
    const objects = await previewObjects({ names, image: 'orderscope:test', ttlMs: 1000, now: 0, environment: { ORDERSCOPE_REDIS_URL: 'redis://127.0.0.1:6379' } });
    const url = (objects.find((o) => o.kind === 'ConfigMap')!.data as Record<string, string>).ORDERSCOPE_REDIS_URL!;
    const redis = new Redis(url);
    const plain = new Redis('redis://127.0.0.1:6379');
    try {
      await redis.set('price:part-1', '42', 'PX', 60_000);
      expect(await plain.get(`${names.redisKeyPrefix}price:part-1`)).toBe('42');
      expect(await plain.get('price:part-1')).toBeNull();
    } finally {
      await plain.del(`${names.redisKeyPrefix}price:part-1`);
      redis.disconnect();
      plain.disconnect();
    }
  });

  it('drops its databases, vhost, topic and consumer group, and says what was already gone', async () => {
    const kafka = new Kafka({ clientId: 'orderscope-test', brokers: BROKERS, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: names.topic, numPartitions: 1 }], waitForLeaders: true });
    // A group exists once it has committed an offset; its consumer has left before the clean-up.
    await admin.setOffsets({ groupId: names.groupId, topic: names.topic, partitions: [{ partition: 0, offset: '0' }] });
    // A client that knew the topic fails on its metadata once the topic is gone: look with a new one.
    await admin.disconnect();
    const checker = kafka.admin();
    await checker.connect();
    // What the clean-up Job of `deploy preview --delete` runs, with this machine's servers.
    const cleanup = [
      'deploy',
      ...unprovisionArgs(names),
      '--kafka-brokers',
      BROKERS.join(','),
      '--postgres-server',
      server,
      '--rabbitmq-management-url',
      management,
      '--amqp-server',
      amqpServer,
    ];
    try {
      expect((await runCli(...cleanup)).out).toBe(
        [...databases.map((d) => `database ${d}: dropped`), `vhost ${names.vhost}: dropped`, `topic ${names.topic}: dropped`, `consumer group ${names.groupId}: dropped`, ''].join('\n'),
      );
      expect(await databasesThatExist(databases)).toEqual([]);
      expect(await vhostAccepts(names.vhost)).toBe(false);
      expect((await checker.listTopics()).includes(names.topic)).toBe(false);
      expect((await checker.listGroups()).groups.map((g) => g.groupId)).not.toContain(names.groupId);
      expect((await runCli(...cleanup)).out).toBe(
        [...databases.map((d) => `database ${d}: absent`), `vhost ${names.vhost}: absent`, `topic ${names.topic}: absent`, `consumer group ${names.groupId}: absent`, ''].join('\n'),
      );
    } finally {
      await checker.disconnect();
    }
  });

  it('says in one sentence what is wrong with a server URL', async () => {
    await expect(provision({ ...servers, postgresServer: `${server}/orders` }, { databases: ['x'] })).rejects.toThrow(
      'the PostgreSQL server URL names a database (orders); give the server only, as postgres://user:password@host:5432: each preview adds its own databases',
    );
    await expect(provision({ ...servers, rabbitmqManagementUrl: 'amqp://guest:guest@127.0.0.1:5672' }, { databases: [], vhost: 'v' })).rejects.toThrow(
      "RabbitMQ's management URL must start with http:// or https://, not amqp://",
    );
    await expect(provision({}, { databases: ['x'] })).rejects.toThrow('the PostgreSQL server is not set: pass --postgres-server or PREVIEW_POSTGRES_SERVER');
    for (const url of [`${server}/`, `${server}?sslmode=require`]) {
      await expect(provision({ ...servers, postgresServer: url }, { databases: ['x'] })).rejects.toThrow(
        'the PostgreSQL server URL must end with its port, as postgres://user:password@host:5432, without a trailing "/" or a query: the manifests append "/<database>" to it',
      );
    }
  });
});

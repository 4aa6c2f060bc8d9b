import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The RabbitMQ the tests use (guest/guest on loopback). */
export const TEST_AMQP_URL = process.env.ORDERSCOPE_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * A RabbitMQ virtual host of its own for one test or benchmark run (`rabbitmqctl add_vhost`, as root on the test
 * machine): the pipeline declares fixed queue names (mes.pricing, ...), and a vhost keeps them apart
 * from other runs and other engineers' tests on the same broker. `drop()` deletes it with its queues.
 */
export async function createVhost(prefix = 'orderscope-e2e'): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const user = new URL(TEST_AMQP_URL).username || 'guest';
  await run('rabbitmqctl', ['-q', 'add_vhost', name]);
  await run('rabbitmqctl', ['-q', 'set_permissions', '-p', name, user, '.*', '.*', '.*']);
  const url = new URL(TEST_AMQP_URL);
  url.pathname = `/${encodeURIComponent(name)}`;
  return { name, url: url.toString(), drop: async () => void (await run('rabbitmqctl', ['-q', 'delete_vhost', name])) };
}

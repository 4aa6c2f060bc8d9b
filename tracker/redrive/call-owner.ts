import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import amqp from 'amqplib';
import { describeError, networkFailureReason } from '../../common';
import { redriveUrl, type RedriveAction } from '../../events';

/** What the owning system made of a redrive: whether it took it, and its answer in a few words. */
export interface OwnerAnswer {
  readonly ok: boolean;
  readonly answer: string;
}

/** How much of an answer the audit trail keeps. */
const ANSWER_LIMIT = 500;
const CALL_TIMEOUT_MS = 10_000;

/**
 * Carries out a redrive action for one order: the HTTP call to the owning system (2xx: taken), or the
 * redrive request published to RabbitMQ with a publisher confirm. Never throws: a failure is an
 * answer too, recorded in the order's audit trail. Secrets come from the environment variables the
 * model names, and never reach the answer.
 */
export async function callOwner(action: RedriveAction, orderId: string, state: string, env: NodeJS.ProcessEnv = process.env): Promise<OwnerAnswer> {
  return action.kind === 'http' ? callHttp(action, orderId, state, env) : publishAmqp(action, orderId, state, env);
}

async function callHttp(action: RedriveAction & { kind: 'http' }, orderId: string, state: string, env: NodeJS.ProcessEnv): Promise<OwnerAnswer> {
  const url = redriveUrl(action, orderId, state);
  const token = action.tokenEnv === undefined ? undefined : env[action.tokenEnv];
  if (action.tokenEnv !== undefined && !token) return { ok: false, answer: `not sent: the environment variable ${action.tokenEnv} (the token for ${new URL(url).origin}) is not set` };
  let response: { status: number; body: string };
  try {
    response = await send(url, action.method, { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, JSON.stringify({ order_id: orderId, state }));
  } catch (err) {
    return { ok: false, answer: `cannot reach ${new URL(url).origin}: ${networkFailureReason(err)}` };
  }
  const body = response.body.trim();
  return { ok: response.status >= 200 && response.status < 300, answer: cut(`${response.status}${body ? ` ${body}` : ''}`) };
}

/**
 * One HTTP request on a connection of its own. Not fetch's keep-alive pool: a pooled connection that
 * the owner closed while it sat idle fails the next call ("connection reset") though the owner is up,
 * and a redrive must not be recorded failed for that; redrives are few, a connection each costs nothing.
 */
function send(url: string, method: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method, agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    request.setTimeout(CALL_TIMEOUT_MS, () => request.destroy(Object.assign(new Error(`no answer within ${CALL_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
    request.end(body);
  });
}

async function publishAmqp(action: RedriveAction & { kind: 'amqp' }, orderId: string, state: string, env: NodeJS.ProcessEnv): Promise<OwnerAnswer> {
  const url = env[action.urlEnv];
  if (!url) return { ok: false, answer: `not sent: the environment variable ${action.urlEnv} (the RabbitMQ URL) is not set` };
  let connection: amqp.ChannelModel | undefined;
  try {
    connection = await amqp.connect(url, { timeout: CALL_TIMEOUT_MS });
    const channel = await connection.createConfirmChannel();
    const body = Buffer.from(JSON.stringify({ order_id: orderId, state, requested_at: new Date().toISOString() }));
    channel.publish(action.exchange, action.routingKey, body, { persistent: true, contentType: 'application/json', mandatory: true });
    await channel.waitForConfirms();
    return { ok: true, answer: `published a redrive request to ${action.exchange === '' ? 'queue' : `exchange ${action.exchange}, key`} ${action.routingKey}` };
  } catch (err) {
    return { ok: false, answer: cut(`RabbitMQ did not take the redrive request: ${networkFailureReason(err) || describeError(err)}`) };
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

function cut(text: string): string {
  return text.length > ANSWER_LIMIT ? `${text.slice(0, ANSWER_LIMIT)}…` : text;
}

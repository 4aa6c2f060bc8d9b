import amqp from 'amqplib';
import { describeError, networkFailureReason } from '../../common/errors';
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
  let response: Response;
  try {
    response = await fetch(url, {
      method: action.method,
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ order_id: orderId, state }),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
  } catch (err) {
    return { ok: false, answer: `cannot reach ${new URL(url).origin}: ${networkFailureReason(err)}` };
  }
  const body = (await response.text().catch(() => '')).trim();
  return { ok: response.ok, answer: cut(`${response.status}${body ? ` ${body}` : ''}`) };
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

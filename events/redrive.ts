import { parseDuration } from '../common';

/**
 * How to get an order moving again, named in the process model on a state or a handoff:
 *
 * ```yaml
 * redrive:
 *   http: { method: POST, url: "http://shop:7410/orders/{order_id}/requote", token_env: SHOP_REDRIVE_TOKEN }
 *   auto: { attempts: 2, backoff: 5m }     # optional; off by default
 * ```
 *
 * - `http`: a call to the owning system, which knows how to redo its step (re-publish the message from
 *   its outbox, re-run an assignment). `{order_id}` and `{state}` in the URL are replaced (URL-encoded);
 *   `token_env` names the environment variable holding a bearer token for it (never the token itself).
 * - `amqp`: a redrive request published to RabbitMQ (`{ "order_id", "state", "requested_at" }`, JSON),
 *   for an owning system that listens for them and rebuilds the lost message itself: the tracker never
 *   holds the message, so it cannot resend it. `url_env` names the variable with the broker URL.
 * - `auto`: retry by itself, `attempts` times at most, `backoff` apart, for orders lost where a redrive is
 *   always safe (the owning system is idempotent). Without it, only a person (or their script) redrives.
 */
export type RedriveAction =
  | { readonly kind: 'http'; readonly method: 'POST' | 'PUT' | 'PATCH'; readonly url: string; readonly tokenEnv: string | undefined }
  | { readonly kind: 'amqp'; readonly exchange: string; readonly routingKey: string; readonly urlEnv: string };

export interface Redrive {
  readonly action: RedriveAction;
  readonly auto: { readonly attempts: number; readonly backoffSeconds: number } | undefined;
}

const HTTP_METHODS = ['POST', 'PUT', 'PATCH'] as const;
const PLACEHOLDERS = ['order_id', 'state'];
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const MAX_AUTO_ATTEMPTS = 10;

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A problem at a path below `redrive`, in the model's own problem list. */
export type RedriveProblem = (path: (string | number)[], message: string) => void;

/** Reads a `redrive` mapping of the model, reporting every problem; undefined when it has any. */
export function readRedrive(raw: unknown, problem: RedriveProblem): Redrive | undefined {
  if (!isObject(raw)) {
    problem([], 'must be a mapping with http or amqp (and optionally auto)');
    return undefined;
  }
  let failed = false;
  const add: RedriveProblem = (path, message) => {
    failed = true;
    problem(path, message);
  };
  for (const key of Object.keys(raw)) if (!['http', 'amqp', 'auto'].includes(key)) add([key], 'unknown key (expected one of: http, amqp, auto)');
  const kinds = ['http', 'amqp'].filter((k) => raw[k] !== undefined);
  if (kinds.length !== 1) add([], kinds.length === 0 ? 'names no action: give http or amqp' : 'gives both http and amqp; a redrive is one action');
  const action = raw.http !== undefined ? readHttp(raw.http, add) : raw.amqp !== undefined ? readAmqp(raw.amqp, add) : undefined;
  const auto = raw.auto === undefined ? undefined : readAuto(raw.auto, add);
  return failed || !action ? undefined : { action, auto };
}

function readHttp(raw: unknown, add: RedriveProblem): RedriveAction | undefined {
  if (!isObject(raw)) return void add(['http'], 'must be a mapping with url (and optionally method, token_env)');
  for (const key of Object.keys(raw)) if (!['method', 'url', 'token_env'].includes(key)) add(['http', key], 'unknown key (expected one of: method, url, token_env)');
  const method = raw.method ?? 'POST';
  if (!(HTTP_METHODS as readonly unknown[]).includes(method)) add(['http', 'method'], `"${String(method)}" is not one of ${HTTP_METHODS.join(', ')}`);
  const url = raw.url;
  if (typeof url !== 'string') return void add(['http', 'url'], 'is required: the URL of the owning system, e.g. http://shop:7410/orders/{order_id}/requote');
  for (const [, name] of url.matchAll(/\{([^}]*)\}/g)) {
    if (!PLACEHOLDERS.includes(name!)) add(['http', 'url'], `{${name}} is not a placeholder (the placeholders are: {${PLACEHOLDERS.join('}, {')}})`);
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url.replaceAll(/\{[^}]*\}/g, 'x'));
  } catch {
    add(['http', 'url'], `"${url}" is not a URL`);
  }
  if (parsed && !['http:', 'https:'].includes(parsed.protocol)) add(['http', 'url'], `"${url}" must be an http or https URL`);
  const tokenEnv = raw.token_env;
  if (tokenEnv !== undefined && (typeof tokenEnv !== 'string' || !ENV_NAME.test(tokenEnv))) {
    add(['http', 'token_env'], `"${String(tokenEnv)}" must be the name of an environment variable (upper case letters, digits and "_"), not a token`);
  }
  return { kind: 'http', method: method as (typeof HTTP_METHODS)[number], url, tokenEnv: tokenEnv as string | undefined };
}

function readAmqp(raw: unknown, add: RedriveProblem): RedriveAction | undefined {
  if (!isObject(raw)) return void add(['amqp'], 'must be a mapping with routing_key and url_env (and optionally exchange)');
  for (const key of Object.keys(raw)) if (!['exchange', 'routing_key', 'url_env'].includes(key)) add(['amqp', key], 'unknown key (expected one of: exchange, routing_key, url_env)');
  const exchange = raw.exchange ?? '';
  if (typeof exchange !== 'string') add(['amqp', 'exchange'], 'must be an exchange name ("" for the default exchange)');
  if (typeof raw.routing_key !== 'string' || raw.routing_key === '') add(['amqp', 'routing_key'], 'is required: the queue (default exchange) or routing key of the redrive requests');
  if (typeof raw.url_env !== 'string' || !ENV_NAME.test(raw.url_env)) add(['amqp', 'url_env'], 'is required: the environment variable that holds the RabbitMQ URL');
  return { kind: 'amqp', exchange: String(exchange), routingKey: String(raw.routing_key), urlEnv: String(raw.url_env) };
}

function readAuto(raw: unknown, add: RedriveProblem): Redrive['auto'] {
  if (!isObject(raw)) return void add(['auto'], 'must be a mapping with attempts and backoff');
  for (const key of Object.keys(raw)) if (!['attempts', 'backoff'].includes(key)) add(['auto', key], 'unknown key (expected one of: attempts, backoff)');
  const attempts = raw.attempts;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1 || attempts > MAX_AUTO_ATTEMPTS) {
    add(['auto', 'attempts'], `${attempts === undefined ? 'is required:' : `"${String(attempts)}" is not`} a whole number from 1 to ${MAX_AUTO_ATTEMPTS}`);
  }
  const backoff = raw.backoff === undefined ? { error: 'is required (how long to wait between attempts, e.g. 5m)' } : parseDuration(String(raw.backoff));
  if ('error' in backoff) add(['auto', 'backoff'], backoff.error);
  return 'error' in backoff ? undefined : { attempts: attempts as number, backoffSeconds: backoff.seconds };
}

/** The URL of an http redrive for one order: placeholders replaced, URL-encoded. */
export function redriveUrl(action: RedriveAction & { kind: 'http' }, orderId: string, state: string): string {
  return action.url.replaceAll('{order_id}', encodeURIComponent(orderId)).replaceAll('{state}', encodeURIComponent(state));
}

/** A redrive action in a few words, for the audit trail and pages: "POST http://shop:7410/orders/{order_id}/requote". */
export function describeRedrive(action: RedriveAction): string {
  return action.kind === 'http' ? `${action.method} ${action.url}` : `AMQP publish to ${action.exchange === '' ? 'queue' : `exchange ${action.exchange}, key`} ${action.routingKey}`;
}

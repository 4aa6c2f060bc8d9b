import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { EventPublisher } from '../../bus';
import { InProcessBus } from '../../bus';
import { hashToken, loadConfig, silentLogger, type Config, type Logger } from '../../common';
import type { OrderEvent, OrderEventInput } from '../../events';
import { createCollector, type Collector } from '..';

/** Raw token values of the test config (only their hashes are configured). */
export const TOKENS = {
  shop: 'shop-agent-token-7f3a9c1e5b',
  crm: 'crm-agent-token-2d8e4b6a0c',
  readOnly: 'dashboards-token-9a1c3e5f7b',
} as const;

export const CONFIG_TOKENS = [
  { name: 'shop-agent', sha256: hashToken(TOKENS.shop), sources: ['shop'], scopes: ['ingest'] },
  { name: 'crm-agent', sha256: hashToken(TOKENS.crm), sources: ['crm'], scopes: ['ingest'] },
  { name: 'dashboards', sha256: hashToken(TOKENS.readOnly), sources: ['*'], scopes: ['read'] },
];

/**
 * The config of a test collector on a free port, with `collector` overrides. Heartbeats are off
 * unless a test turns them on: ingest tests assert on exactly what the bus received.
 */
export function testConfig(collector: Partial<Config['collector']> = {}, kafka: Partial<Config['kafka']> = {}): Config {
  return loadConfig({ env: {}, overrides: { collector: { port: 0, heartbeatIntervalMs: 0, ...collector }, kafka, tokens: CONFIG_TOKENS } });
}

/**
 * A valid shop event that occurred a minute before `now` (the clock the collector under test is given,
 * so that a test with a fixed clock never sees its events "in the future"); `overrides` replace fields
 * (undefined removes one).
 */
export function shopEvent(overrides: Record<string, unknown> = {}, now: number = Date.now()): OrderEventInput {
  const event: Record<string, unknown> = {
    schema_version: 1,
    event_id: randomUUID(),
    order_id: `ord-${randomUUID().slice(0, 8)}`,
    source: 'shop',
    state: 'placed',
    occurred_at: new Date(now - 60_000).toISOString(),
    ...overrides,
  };
  for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete event[k];
  return event as OrderEventInput;
}

export interface TestCollector {
  readonly url: string;
  readonly collector: Collector;
  /** Every event the bus delivered to its subscriber, in order. */
  readonly published: OrderEvent[];
  close(): Promise<void>;
}

/** A collector on 127.0.0.1:<free port> over an InProcessBus (or `bus`), with a recording subscriber. */
export async function startCollector(options: { config?: Config; bus?: EventPublisher; logger?: Logger; now?: () => number } = {}): Promise<TestCollector> {
  const published: OrderEvent[] = [];
  const bus = options.bus ?? (await recordingBus(published));
  await bus.start();
  const collector = createCollector({ config: options.config ?? testConfig(), bus, logger: options.logger ?? silentLogger(), now: options.now });
  const running = await collector.start();
  return {
    url: running.url,
    collector,
    published,
    close: async () => {
      await collector.close();
      await bus.close();
    },
  };
}

/** An in-process bus whose subscriber records what it delivers into `published`. */
async function recordingBus(published: OrderEvent[]): Promise<InProcessBus> {
  const bus = new InProcessBus();
  await bus.subscribe(async (batch) => {
    published.push(...batch);
  });
  return bus;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  contentType: string | undefined;
}

/** One keep-alive agent for all test requests, so that thousands of requests reuse connections. */
export const keepAlive = new Agent({ keepAlive: true, maxSockets: 16 });

/**
 * Sends one request with full control of headers and body bytes (fetch would add a Content-Type
 * of its own). `contentType: undefined` sends none.
 */
export function send(
  url: string,
  options: { method?: string; path?: string; body?: string | Buffer; contentType?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const target = new URL(options.path ?? '/v1/events', url);
  const headers: Record<string, string> = { ...options.headers };
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = request(target, { method: options.method ?? 'POST', headers, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: the caller asserts on the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, contentType: res.headers['content-type'] });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POSTs `events` as a JSON array with the shop token. */
export function postJson(url: string, events: unknown, token: string = TOKENS.shop): Promise<Answer> {
  return send(url, { body: JSON.stringify(events), contentType: 'application/json', token });
}

/** A pino logger that writes into `lines`, to assert on what is (not) logged. */
export function capturingLogger(lines: string[]): Logger {
  return pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
}

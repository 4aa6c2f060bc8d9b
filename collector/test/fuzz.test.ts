import { seededRandom as rng, type SeededRandom as Rng } from '../../common/test/seeded-random';
import { TOKENS, send, shopEvent, startCollector, testConfig, postJson, type Answer, type TestCollector } from './harness';

/**
 * "Never down on bad input": 10 000+ random and mutated requests, from a seeded generator so that a
 * failure replays. Every answer must be a 4xx with a JSON error, or a 202 whose accepted + rejected
 * account for every item of a well-formed batch; never a 5xx. Afterwards the collector still serves.
 */

const REQUESTS = 10_500;
const CONCURRENCY = 8;
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);

const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'a'.repeat(70), 'ключ', '\u0000'];
const FIELDS = ['schema_version', 'event_id', 'order_id', 'source', 'state', 'occurred_at', 'seq', 'trace_id', 'span_id', 'attributes'];

function randomString(r: Rng, max = 40): string {
  const alphabets = ['abcdefghijklmnopqrstuvwxyz0123456789', '"\\/\b\f\n\r\t{}[],:', 'äöü€😀\u2028\u2029\ud800', '\u0000\u0001\u001f\u007f'];
  let s = '';
  const n = r.int(max);
  for (let i = 0; i < n; i++) {
    const alphabet = r.pick(alphabets);
    s += alphabet[r.int(alphabet.length)];
  }
  return s;
}

function randomValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 9)) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.pick([0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, 1e-7]);
    case 3: return randomString(r);
    case 4: return r.chance(0.02) ? 'x'.repeat(r.int(300_000)) : randomString(r, 200);
    case 5: return r.pick(['2026-11-26T10:15:00Z', '2026-13-01T00:00:00Z', '1970-01-01T00:00:00+25:00', 'NaN', '9999-12-31T23:59:59Z']);
    case 6: return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) o[r.chance(0.3) ? r.pick(NASTY_KEYS) : randomString(r, 10)] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** A valid event with a few fields broken, removed or added: the realistic producer bug. */
function mutatedEvent(r: Rng): Record<string, unknown> {
  const event: Record<string, unknown> = { ...shopEvent(), ...(r.chance(0.3) && { attributes: { segment: 'b2b', amount: 10 } }) };
  for (let i = r.int(3); i > 0; i--) {
    const field = r.pick(FIELDS);
    if (r.chance(0.3)) delete event[field];
    else event[field] = randomValue(r);
  }
  if (r.chance(0.1)) event[r.pick(NASTY_KEYS)] = randomValue(r);
  if (r.chance(0.1)) event.attributes = Object.fromEntries(Array.from({ length: r.int(40) }, (_, i) => [r.chance(0.2) ? r.pick(NASTY_KEYS) : `k${i}`, randomValue(r, 3)]));
  if (r.chance(0.05)) event.source = 'crm';
  return event;
}

/** Byte-level damage: flips, inserts, deletes, truncation. */
function damage(r: Rng, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  let result = out;
  for (let i = 1 + r.int(3); i > 0 && result.length > 0; i--) {
    const at = r.int(result.length);
    switch (r.int(4)) {
      case 0: result[at] = r.int(256); break;
      case 1: result = Buffer.concat([result.subarray(0, at), Buffer.from([r.pick([0x22, 0x5b, 0x7b, 0x2c, 0x5c, 0xff, 0xc3, 0x00])]), result.subarray(at)]); break;
      case 2: result = Buffer.concat([result.subarray(0, at), result.subarray(at + 1)]); break;
      default: result = result.subarray(0, at);
    }
  }
  return result;
}

interface FuzzRequest {
  body: Buffer;
  contentType: string | undefined;
  token: string | undefined;
}

function fuzzRequest(r: Rng): FuzzRequest {
  const ndjson = r.chance(0.25);
  const events = () => Array.from({ length: r.int(6) }, () => (r.chance(0.8) ? mutatedEvent(r) : randomValue(r)));
  const frame = (items: unknown[]) => (ndjson ? items.map((i) => JSON.stringify(i) ?? 'undefined').join('\n') : JSON.stringify(items));
  let body: Buffer;
  switch (r.int(10)) {
    case 0: body = damage(r, Buffer.from(frame(events()))); break;
    case 1: body = Buffer.from(Array.from({ length: r.int(200) }, () => r.int(256))); break;
    case 2: {
      const depth = r.int(150_000);
      const open = r.chance(0.5) ? '[' : '{"a":';
      body = Buffer.from(`[${open.repeat(depth)}${r.chance(0.7) ? (open === '[' ? ']' : '1}').repeat(depth) : ''}]`);
      break;
    }
    case 3: body = Buffer.from(JSON.stringify(randomValue(r)) ?? ''); break;
    case 4: body = Buffer.from(r.chance(0.5) ? 'x'.repeat(900_000 + r.int(300_000)) : `["${'y'.repeat(r.int(1_200_000))}"]`); break;
    default: body = Buffer.from(frame(events()));
  }
  const contentType = r.chance(0.9)
    ? ndjson ? 'application/x-ndjson' : r.pick(['application/json', 'application/json; charset=utf-8', 'Application/JSON'])
    : r.pick([undefined, 'text/plain', 'application/xml', 'multipart/form-data', 'application/json; charset=utf-16', 'application/x-ndjson; charset="latin1"', ';;;', 'application/json;charset']);
  const token = r.chance(0.95) ? TOKENS.shop : r.pick([undefined, TOKENS.crm, TOKENS.readOnly, 'forged', '']);
  return { body, contentType, token };
}

/** How many items a well-formed batch has, or undefined when the body is not one. */
function itemCount(req: FuzzRequest): number | undefined {
  const type = req.contentType?.split(';')[0]!.trim().toLowerCase();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(req.body);
  } catch {
    return undefined;
  }
  try {
    if (type === 'application/json') {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) ? parsed.length : undefined;
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    for (const line of lines) JSON.parse(line);
    return lines.length;
  } catch {
    return undefined;
  }
}

function checkAnswer(req: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status === 202) {
    const count = itemCount(req);
    const body = answer.body as { accepted?: unknown; rejected?: unknown };
    if (count === undefined) return 'answered 202 to a body that is not a well-formed batch';
    if (typeof body.accepted !== 'number' || !Array.isArray(body.rejected)) return `202 without {accepted, rejected}: ${JSON.stringify(body).slice(0, 200)}`;
    if (body.accepted + body.rejected.length !== count) return `202 accounts for ${body.accepted} + ${body.rejected.length} of ${count} items`;
    return undefined;
  }
  if (answer.status < 400) return `answered ${answer.status}`;
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } }).error;
  if (!answer.contentType?.startsWith('application/json') || typeof error?.code !== 'string' || typeof error.message !== 'string' || error.message === '') {
    return `a ${answer.status} without a JSON error: ${String(answer.body).slice(0, 200)}`;
  }
  return undefined;
}

describe('fuzzing POST /v1/events', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startCollector({ config: testConfig({ rateLimitEventsPerSecond: 0 }) });
  });
  afterAll(() => c.close());

  it(`answers ${REQUESTS} random and mutated requests with a 4xx or an accounted 202, never a 5xx, and keeps serving`, async () => {
    const r = rng(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let accepted = 0;
    let sent = 0;
    const worker = async () => {
      while (sent < REQUESTS) {
        const n = sent++;
        const req = fuzzRequest(r);
        const answer = await send(c.url, { body: req.body, contentType: req.contentType, token: req.token });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 202) accepted += (answer.body as { accepted: number }).accepted;
        const problem = checkAnswer(req, answer);
        if (problem && failures.length < 10) failures.push(`request ${n} (seed ${SEED}): ${problem}; body starts ${JSON.stringify(req.body.subarray(0, 120).toString('latin1'))}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(failures).toEqual([]);
    // The generator must actually reach every kind of answer, or the test proves little.
    for (const status of [202, 400, 401, 403, 413, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(10);
    expect(accepted).toBeGreaterThan(100);
    // Nothing accepted was lost on the way to the bus.
    expect(c.published).toHaveLength(accepted);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);

    const after = await postJson(c.url, [shopEvent()]);
    expect(after.status).toBe(202);
    expect(after.body).toEqual({ accepted: 1, rejected: [] });
  }, 120_000);
});

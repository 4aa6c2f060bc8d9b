import { listen, type RunningServer } from '../../common';
import { seededRandom, type SeededRandom } from '../../common/test/seeded-random';
import { ADMIN_TOKEN, READ_TOKEN, apiTestConfig, orderEvent, startEmbedded, type EmbeddedTracker } from '../test/fixtures';
import { encodeCursor } from './list-query';

/**
 * "Every hostile request gets a 4xx and costs little" (issue 12), the tracker's side of the collector's
 * fuzz test: random and hostile values (U+0000, lone surrogates, SQL, huge values, percent-garbage,
 * repeated and unknown parameters, forged cursors) in every query and path parameter of every route,
 * from a seeded generator so that a failure replays (FUZZ_SEED). Every answer must be a 2xx, a 4xx
 * with a JSON error (a page, for the pages) or a page's redirect; never a 5xx. Afterwards the tracker
 * still serves.
 */

const REQUESTS = 2000;
const CONCURRENCY = 4;
const SEED = Number(process.env.FUZZ_SEED ?? 20261212);
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

/** A route and the parameters it reads; `page` routes answer people, with HTML. */
interface Target {
  readonly method: 'GET' | 'POST';
  /** The path, with `{id}` where a path parameter goes. */
  readonly path: string;
  readonly parameters: readonly string[];
  readonly page?: boolean;
  readonly admin?: boolean;
}

const TARGETS: readonly Target[] = [
  { method: 'GET', path: '/v1/orders', parameters: ['state', 'status', 'segment', 'limit', 'cursor'] },
  { method: 'GET', path: '/v1/orders/{id}', parameters: [] },
  { method: 'GET', path: '/v1/lost', parameters: ['state', 'segment', 'limit', 'cursor'] },
  { method: 'GET', path: '/v1/reports/latency', parameters: ['from', 'to', 'group_by', 'format', 'exact'] },
  { method: 'GET', path: '/v1/dead-letters', parameters: ['status', 'reason', 'limit', 'cursor'] },
  { method: 'GET', path: '/v1/dead-letters/{id}', parameters: [] },
  { method: 'POST', path: '/v1/dead-letters/{id}/retry', parameters: [], admin: true },
  { method: 'POST', path: '/v1/dead-letters/{id}/drop', parameters: [], admin: true },
  { method: 'GET', path: '/orders/{id}', parameters: [], page: true },
  { method: 'GET', path: '/', parameters: ['token', 'next'], page: true },
];

/** Values that mean something to some parameter, so that requests also get through to the store. */
const PLAUSIBLE = [
  'f-1', 'f-2', 'nobody', '1', '2', '50', '500', '501', '0', 'placed', 'pricing', 'open', 'stuck', 'lost', 'done', 'parked',
  'retried', 'constraint_violation', 'b2b', 'state', 'segment', 'operator', 'day', 'json', 'csv', 'html', '2026-11-23',
  '2026-11-29', '2026-11-23T08:00:00+01:00', '2025-12-01', '2024-01-01', '2024-12-31', '/', '/orders/f-1',
];

/** Strings that have broken something somewhere: SQL, NUL, lone surrogates, edges of dates and numbers. */
const HOSTILE = [
  '\u0000', 'f-1\u0000', '\u0000\u0000\u0000', '\ud800', 'a\udfff', '\ud83d', "' OR 1=1 --", "'; DROP TABLE orders; --", '" OR ""="',
  "1); SELECT pg_sleep(10); --", '$1', '\\', '%', '_', '..', '.', '../..', '__proto__', 'constructor', '', ' ', '\n', '\r\n', '\t',
  '😀', 'ü', 'Ω≈ç', '\u202e', '-1', '1e3', 'NaN', 'Infinity', '9007199254740993', '0x10', '1000-01-01', '9999-12-31', '9999-12-30',
  '0000-01-01', '0099-01-01', '1899-12-31', '2150-01-01', '2149-12-31', '2026-02-30', '2026-11-23T08:00:00+15:59',
  '2026-11-23T08:00:00+16:00', '2026-11-23T08:00:00.1234567891Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '=HYPERLINK("x")',
  '<script>alert(1)</script>', 'javascript:alert(1)', '//evil.example', 'https://evil.example/',
];

/** Raw bytes of a URL that do not percent-decode, or decode to what no string should hold. */
const PERCENT_GARBAGE = ['%', '%Z', '%ZZ', '%E0%A4%A', '%FF', '%C0%AF', '%ED%A0%80', '%00', '%%', '%2', '%u0041', '%F0%9F%98', '%2F', '%2e%2e'];

const UNKNOWN_KEYS = ['stat', 'x', '__proto__', 'constructor', 'from[]', 'limit[0]', 'FROM', '%00', '%E0%A4%A', 'a'.repeat(300)];

/** A string percent-encoded as a URL carries it; a lone surrogate as the UTF-8 bytes it would have (invalid). */
function encode(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(c);
    }
  }
  return out;
}

function randomText(r: SeededRandom, max: number): string {
  const alphabet = 'abcXYZ019-_.:~!*\'()%/?#&=+ \u0000\u0001\u007f\u00e9\u20ac\ud800\udc00😀';
  return Array.from({ length: r.int(max) }, () => alphabet[r.int(alphabet.length)]).join('');
}

/** A cursor anyone could write: a real one, or base64url JSON of something else. */
function forgedCursor(r: SeededRandom): string {
  const stateSince = r.pick([Date.UTC(2026, 10, 25, 10) * 1000, 0, -1, 1.5, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e300]);
  const orderId = r.pick(['f-1', 'f-1\u0000', '', "' OR 1=1 --", '\ud800', 'x'.repeat(200)]);
  if (r.chance(0.4)) return encodeCursor({ stateSince, orderId });
  const json = r.pick([JSON.stringify([stateSince]), JSON.stringify({ a: 1 }), '[1,2,3]', 'null', '"', randomText(r, 20)]);
  return Buffer.from(json).toString('base64url');
}

/** An already encoded value for a query or path parameter. */
function value(r: SeededRandom, parameter: string): string {
  switch (r.int(10)) {
    case 0: case 1: case 2: return encode(r.pick(PLAUSIBLE));
    case 3: case 4: return encode(r.pick(HOSTILE));
    case 5: return r.pick(PERCENT_GARBAGE);
    case 6: return encode(randomText(r, 30));
    case 7: return parameter === 'cursor' ? forgedCursor(r) : encode(r.pick(HOSTILE) + r.pick(PLAUSIBLE));
    // Large but within what Node accepts as a request head (16 KiB), so that the answer is ours.
    case 8: return 'x'.repeat(r.int(6000));
    default: return `${encode(r.pick(PLAUSIBLE))}${r.pick(PERCENT_GARBAGE)}`;
  }
}

interface FuzzRequest {
  readonly target: Target;
  readonly path: string;
  readonly token: string | undefined;
}

function fuzzRequest(r: SeededRandom): FuzzRequest {
  const target = r.pick(TARGETS);
  const pairs: string[] = [];
  for (const parameter of target.parameters) if (r.chance(0.4)) pairs.push(`${parameter}=${value(r, parameter)}`);
  if (target.parameters.length > 0 && r.chance(0.1)) {
    const parameter = r.pick(target.parameters);
    pairs.push(`${parameter}=${value(r, parameter)}`, `${parameter}=${value(r, parameter)}`);
  }
  if (r.chance(0.08)) pairs.push(`${r.pick(UNKNOWN_KEYS)}=${value(r, 'x')}`);
  if (r.chance(0.03)) pairs.push(r.pick(['&', '=', '==', '&&&', 'a', '=x']));
  const path = target.path.replace('{id}', () => value(r, 'id'));
  const token = r.chance(0.95) ? (target.admin ? ADMIN_TOKEN : READ_TOKEN) : r.pick([undefined, 'forged', READ_TOKEN]);
  return { target, path: pairs.length ? `${path}?${pairs.join('&')}` : path, token };
}

/** What is wrong with an answer, or undefined when it is one the tracker may give. */
function problem(req: FuzzRequest, status: number, type: string, text: string): string | undefined {
  if (status >= 500) return `answered ${status}: ${text.slice(0, 300)}`;
  if (req.target.page) {
    if (status >= 300 && status < 400) return undefined; // signing in sends the browser on
    if (type.startsWith('text/html')) return undefined;
    // `/orders/` with an empty id is no page: the tracker's JSON 404 for an unknown endpoint is right there.
    if (status !== 404 || !/^\{"error":\{"code":"not_found"/.test(text)) return `a page answered ${status} with ${type}: ${text.slice(0, 200)}`;
  }
  if (status >= 300 && status < 400) return `answered ${status}`;
  if (status < 300) {
    // A report may be asked for as CSV or HTML; everything else answers JSON.
    if (req.target.path === '/v1/reports/latency' && /^text\/(csv|html)/.test(type)) return undefined;
    return type.startsWith('application/json') && isJson(text) ? undefined : `a ${status} without JSON: ${text.slice(0, 200)}`;
  }
  const error = isJson(text) ? (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error : undefined;
  if (!type.startsWith('application/json') || typeof error?.code !== 'string' || typeof error.message !== 'string' || error.message === '') {
    return `a ${status} without a JSON error: ${text.slice(0, 200)}`;
  }
  return undefined;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('fuzzing the tracker’s query and path parameters', () => {
  let t: EmbeddedTracker;
  let server: RunningServer;
  beforeAll(async () => {
    t = await startEmbedded({ config: apiTestConfig(), now: () => NOW });
    await t.bus.publish([
      orderEvent('f-1', 'placed', '2026-11-25T10:00:00Z', { attributes: { segment: "' OR 1=1 --" } }),
      orderEvent('f-1', 'quote_requested', '2026-11-25T10:01:00Z'),
      orderEvent('f-2', 'placed', '2026-11-25T10:00:00Z', { attributes: { segment: 'b2b' } }),
      orderEvent('f-2', 'cancelled', '2026-11-25T12:00:00Z'),
    ]);
    server = await listen(t.tracker.app, '127.0.0.1', 0);
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it(`answers ${REQUESTS} hostile requests with a 2xx or a 4xx that explains itself, never a 5xx, and keeps serving`, async () => {
    const r = seededRandom(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    const worker = async () => {
      while (sent < REQUESTS) {
        const n = sent++;
        const req = fuzzRequest(r);
        const res = await fetch(`${server.url}${req.path}`, { method: req.target.method, redirect: 'manual', headers: req.token === undefined ? {} : { authorization: `Bearer ${req.token}` } });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const wrong = problem(req, res.status, res.headers.get('content-type') ?? '', text);
        if (wrong && failures.length < 10) failures.push(`request ${n} (seed ${SEED}): ${req.target.method} ${req.path.slice(0, 300)}: ${wrong}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(failures).toEqual([]);
    // The generator must reach the store as well as the refusals, or the test proves little.
    for (const status of [200, 400, 404]) expect(statuses.get(status) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(401) ?? 0).toBeGreaterThan(0);
    expect(Object.keys(Object.prototype)).toEqual([]);

    const after = await fetch(`${server.url}/v1/orders/f-1`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    expect([after.status, ((await after.json()) as { state: string }).state]).toEqual([200, 'quote_requested']);
  }, 120_000);
});

import type { EventPublisher } from '../../bus';
import { UnavailableError } from '../../common';
import { TOKENS, capturingLogger, postJson, send, shopEvent, startCollector, testConfig, type TestCollector } from './harness';
import { COLLECTOR_METRICS } from '../metric-names';

/** A double of our own EventPublisher interface: publish fails (or never answers) as told. */
function failingBus(mode: 'reject' | 'hang'): EventPublisher {
  return {
    start: async () => {},
    publish: () => (mode === 'reject' ? Promise.reject(new UnavailableError('broker unreachable at 10.0.0.7:9092')) : new Promise<void>(() => {})),
    isReady: () => false,
    close: async () => {},
  };
}

const JSON_TYPE = 'application/json';
const NDJSON_TYPE = 'application/x-ndjson';

describe('POST /v1/events', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startCollector();
  });
  afterAll(() => c.close());
  beforeEach(() => {
    c.published.length = 0;
  });

  describe('a well-formed batch', () => {
    it('accepts every valid event and publishes it with the defaults filled in', async () => {
      const events = [shopEvent(), shopEvent({ state: 'quote_requested', seq: 1, attributes: { segment: 'b2b' } })];
      const answer = await postJson(c.url, events);
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ accepted: 2, rejected: [] });
      expect(c.published).toEqual([
        { ...events[0], seq: 0, attributes: {} },
        { ...events[1], seq: 1, attributes: { segment: 'b2b' } },
      ]);
    });

    it('accepts a state written as a label or alias, any case and spacing, and refuses one with a line break or too long', async () => {
      // The collector holds no model: the tracker maps the text to the state's name (tracker/apply/state-names.ts).
      const label = shopEvent({ state: 'T02 Check confirmation of receipt' });
      const broken = shopEvent({ state: 'T02 Check\nconfirmation' });
      const long = shopEvent({ state: 'x'.repeat(201) });
      const answer = await postJson(c.url, [label, broken, long]);
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({
        accepted: 1,
        rejected: [
          { index: 1, event_id: broken.event_id, error: 'state: must not contain control characters (found \\u000a); write the state on one line' },
          { index: 2, event_id: long.event_id, error: 'state: must be at most 200 characters' },
        ],
      });
      expect(c.published).toEqual([{ ...label, seq: 0, attributes: {} }]);
    });

    it('answers an empty array with 202 and accepted 0', async () => {
      const answer = await postJson(c.url, []);
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ accepted: 0, rejected: [] });
    });

    it('publishes the valid events and lists each invalid one with its index, event_id and what to fix', async () => {
      const good = shopEvent();
      const badOrder = shopEvent({ order_id: 'has spaces' });
      const future = shopEvent({ occurred_at: new Date(Date.now() + 3_600_000).toISOString() });
      const answer = await postJson(c.url, [badOrder, good, 42, { ...shopEvent(), colour: 'red' }, future, shopEvent({ event_id: undefined })]);
      expect(answer.status).toBe(202);
      const body = answer.body as { accepted: number; rejected: Array<{ index: number; event_id?: string; error: string }> };
      expect(body.accepted).toBe(1);
      expect(body.rejected.map((r) => r.index)).toEqual([0, 2, 3, 4, 5]);
      expect(body.rejected[0]).toEqual({ index: 0, event_id: badOrder.event_id, error: 'order_id: may contain only letters, digits, ".", "_", "-" and ":"' });
      expect(body.rejected[1]).toEqual({ index: 2, error: 'event: must be a JSON object' });
      expect(body.rejected[2]!.error).toBe('unknown field "colour"');
      expect(body.rejected[3]!.error).toMatch(/^occurred_at: is \d+ s in the future; at most 300 s of clock skew is accepted \(check the emitting host's clock\)$/);
      expect(body.rejected[4]).toEqual({ index: 5, error: 'event_id: is required' });
      expect(c.published).toEqual([{ ...good, seq: 0, attributes: {} }]);
    });

    it('rejects, one by one, the events the store could not hold, and accepts the valid ones beside them', async () => {
      const events = [
        shopEvent(),
        shopEvent({ attributes: { note: 'before\u0000after' } }),
        shopEvent({ attributes: { note: '👍' } }),
        shopEvent({ attributes: { note: 'half \ud800 a pair' } }),
        shopEvent({ occurred_at: '0000-06-01T00:00:00Z' }),
        shopEvent({ order_id: '..' }),
        shopEvent({ attributes: { 'a\u0000b': 1 } }),
        shopEvent({ occurred_at: '2026-11-26T10:00:00+16:00' }),
        shopEvent(),
      ];
      // JSON escapes in a body that is valid UTF-8: JSON.parse turns them into U+0000 and a lone surrogate.
      const body = JSON.stringify(events);
      expect([body.includes('before\\u0000after'), body.includes('half \\ud800 a pair')]).toEqual([true, true]);
      const answer = await send(c.url, { body, contentType: JSON_TYPE, token: TOKENS.shop });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({
        accepted: 3,
        rejected: [
          { index: 1, event_id: events[1]!.event_id, error: 'attributes.note: must not contain U+0000 (NUL)' },
          { index: 3, event_id: events[3]!.event_id, error: 'attributes.note: must not contain a lone surrogate (invalid UTF-16)' },
          { index: 4, event_id: events[4]!.event_id, error: 'occurred_at: must be at or after 1900-01-01T00:00:00Z and before 2150-01-01T00:00:00Z' },
          { index: 5, event_id: events[5]!.event_id, error: 'order_id: must not be "." or ".." (order ids are path segments of the API\'s URLs)' },
          { index: 6, event_id: events[6]!.event_id, error: 'attributes.a\\u0000b: attribute names must not contain U+0000 (NUL)' },
          { index: 7, event_id: events[7]!.event_id, error: 'occurred_at: must have a time zone offset between -15:59 and +15:59' },
        ],
      });
      expect(c.published.map((e) => e.event_id)).toEqual([events[0]!.event_id, events[2]!.event_id, events[8]!.event_id]);
      expect(c.published[1]!.attributes).toEqual({ note: '👍' });
    });

    it('accepts NDJSON, one event per line, skipping blank lines and CRLF endings', async () => {
      const events = [shopEvent(), shopEvent(), shopEvent()];
      const body = `${JSON.stringify(events[0])}\r\n\n${JSON.stringify(events[1])}\n${JSON.stringify(events[2])}\n`;
      const answer = await send(c.url, { body, contentType: NDJSON_TYPE, token: TOKENS.shop });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ accepted: 3, rejected: [] });
      expect(c.published.map((e) => e.event_id)).toEqual(events.map((e) => e.event_id));
    });

    it('takes a charset=utf-8 parameter and strips a byte order mark', async () => {
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify([shopEvent({ attributes: { customer: 'Müller' } })]))]);
      const answer = await send(c.url, { body, contentType: 'application/json; charset=UTF-8', token: TOKENS.shop });
      expect(answer.status).toBe(202);
      expect(c.published[0]!.attributes).toEqual({ customer: 'Müller' });
    });

    it('rejects a __proto__ or constructor key without polluting any prototype', async () => {
      const event = (extra: string) => `${JSON.stringify(shopEvent()).slice(0, -1)}, ${extra}}`;
      const body = `[${event('"__proto__": {"polluted": true}')}, ${event('"attributes": {"__proto__": {"polluted": true}}')}, ${event('"attributes": {"constructor": {"prototype": {"polluted": true}}}')}]`;
      const answer = await send(c.url, { body, contentType: JSON_TYPE, token: TOKENS.shop });
      expect(answer.status).toBe(202);
      const rejected = (answer.body as { rejected: Array<{ index: number; error: string }> }).rejected;
      expect(rejected.map((r) => r.error)).toEqual([
        'unknown field "__proto__"',
        'attributes.__proto__: attribute name is reserved',
        'attributes.constructor: attribute name is reserved',
      ]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(c.published).toEqual([]);
    });

    it('survives 100 000 levels of nesting', async () => {
      const deep = `[${'['.repeat(100_000)}${']'.repeat(100_000)}]`;
      const answer = await send(c.url, { body: deep, contentType: JSON_TYPE, token: TOKENS.shop });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ accepted: 0, rejected: [{ index: 0, error: 'event: must be a JSON object' }] });
      const unclosed = await send(c.url, { body: '['.repeat(100_000), contentType: JSON_TYPE, token: TOKENS.shop });
      expect(unclosed.status).toBe(400);
      expect((unclosed.body as { error: { message: string } }).error.message).toBe(
        'the body is not valid JSON: unexpected end of the body (100000 unclosed brackets; the body may be truncated) at line 1, column 100001 (character 100000)',
      );
    });
  });

  describe('whole-request errors say what to fix', () => {
    const refusal = (status: number, code: string, message: string) => ({ status, body: { error: expect.objectContaining({ code, message }) } });
    const pick = (a: { status: number; body: unknown }) => ({ status: a.status, body: a.body });

    it('400: JSON that does not parse, with line, column and character offset', async () => {
      const answer = await send(c.url, { body: '[\n  {"order_id": "a"},\n  {"order_id": "b",}\n]', contentType: JSON_TYPE, token: TOKENS.shop });
      expect(pick(answer)).toEqual(
        refusal(400, 'invalid_json', 'the body is not valid JSON: expected a property name in double quotes (no trailing comma) at line 3, column 20 (character 42)'),
      );
      expect((answer.body as { error: object }).error).toMatchObject({ line: 3, column: 20, offset: 42 });
    });

    it.each([
      ['[1, 2', 'unexpected end of the body (1 unclosed bracket; the body may be truncated) at line 1, column 6 (character 5)'],
      ['[1, 2,]', 'expected a value (no trailing comma) at line 1, column 7 (character 6)'],
      ['[{"a" 1}]', "expected ':' after a property name at line 1, column 7 (character 6)"],
      ['[1] [2]', 'unexpected content after the end of the JSON value at line 1, column 5 (character 4)'],
      ['["tab\there"]', 'control character in a string (write it escaped, e.g. \\n or \\u0000) at line 1, column 6 (character 5)'],
      ["['single']", 'expected a value (an object, array, string, number, true, false or null) at line 1, column 2 (character 1)'],
      ['[1 2]', "expected ',' or ']' after an array element at line 1, column 4 (character 3)"],
      ['[01]', "expected ',' or ']' after an array element at line 1, column 3 (character 2)"],
      ['["\\x"]', 'invalid escape in a string (valid: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX) at line 1, column 3 (character 2)'],
      ['["abc', 'unterminated string (missing closing double quote) at line 1, column 2 (character 1)'],
    ])('400: %j', async (body, where) => {
      const answer = await send(c.url, { body, contentType: JSON_TYPE, token: TOKENS.shop });
      expect(pick(answer)).toEqual(refusal(400, 'invalid_json', `the body is not valid JSON: ${where}`));
    });

    it('400: NDJSON with a bad line names the line and column', async () => {
      const body = `${JSON.stringify(shopEvent())}\n${JSON.stringify(shopEvent())}\n{"order_id": oops}\n`;
      const answer = await send(c.url, { body, contentType: NDJSON_TYPE, token: TOKENS.shop });
      expect(pick(answer)).toEqual(
        refusal(
          400,
          'invalid_json',
          'line 3 is not valid JSON: expected a value (an object, array, string, number, true, false or null) at column 14 (NDJSON: one JSON event per line)',
        ),
      );
      expect(c.published).toEqual([]);
    });

    it('400: a body that is not an array, or empty', async () => {
      expect(pick(await postJson(c.url, shopEvent()))).toEqual(
        refusal(400, 'not_an_array', 'the body must be a JSON array of events, got an object; wrap a single event in [ ]'),
      );
      expect(pick(await postJson(c.url, 'text'))).toEqual(refusal(400, 'not_an_array', 'the body must be a JSON array of events, got a string'));
      expect(pick(await send(c.url, { body: '  ', contentType: JSON_TYPE, token: TOKENS.shop }))).toEqual(
        refusal(400, 'empty_body', 'the body is empty; send a JSON array of events ([] for none)'),
      );
    });

    it('400: invalid UTF-8 names the byte and its offset', async () => {
      const body = Buffer.concat([Buffer.from('[{"order_id": "caf'), Buffer.from([0xe9]), Buffer.from('"}]')]);
      const answer = await send(c.url, { body, contentType: JSON_TYPE, token: TOKENS.shop });
      expect(pick(answer)).toEqual(refusal(400, 'invalid_utf8', 'the body is not valid UTF-8 (first invalid byte 0xe9 at byte offset 18); encode the JSON as UTF-8'));
    });

    it('401: no token, or a token that is not configured', async () => {
      const none = await send(c.url, { body: '[]', contentType: JSON_TYPE });
      expect(pick(none)).toEqual(refusal(401, 'missing_token', 'the request has no bearer token; send the header Authorization: Bearer <token>'));
      expect(none.headers['www-authenticate']).toBe('Bearer');
      const wrong = await send(c.url, { body: '[]', contentType: JSON_TYPE, token: 'not-a-configured-token' });
      expect(pick(wrong)).toEqual(refusal(401, 'invalid_token', 'the bearer token is not valid (unknown or revoked); check the token you configured'));
    });

    it('403: a token without the ingest scope', async () => {
      const answer = await postJson(c.url, [shopEvent()], TOKENS.readOnly);
      expect(pick(answer)).toEqual(refusal(403, 'missing_scope', 'the token "dashboards" does not have the ingest scope; use a token with scopes: [ingest]'));
    });

    it('403: a token emitting for a source it is not allowed refuses the whole request, naming the first offending event', async () => {
      const crm = { ...shopEvent(), source: 'crm', state: 'assigned' };
      const answer = await postJson(c.url, [crm, shopEvent(), shopEvent({ order_id: '' }), shopEvent()], TOKENS.crm);
      expect(pick(answer)).toEqual(
        refusal(
          403,
          'forbidden_source',
          'the token "crm-agent" may not emit events for source "shop": event 1 (and 1 more); it may emit for "crm". Nothing in this request was accepted',
        ),
      );
      expect((answer.body as { error: object }).error).toMatchObject({ index: 1, source: 'shop', forbidden: 2 });
      expect(c.published).toEqual([]);
    });

    it('413: a declared Content-Length above maxBytes, without reading the body', async () => {
      const answer = await send(c.url, { body: Buffer.alloc(1_048_577, 0x20), contentType: JSON_TYPE, token: TOKENS.shop });
      expect(pick(answer)).toEqual(
        refusal(413, 'body_too_large', 'the body is 1048577 bytes; at most 1048576 bytes are accepted per request: split the batch'),
      );
      expect(answer.headers.connection).toBe('close');
    });

    it('413: a chunked body that grows past maxBytes', async () => {
      const answer = await send(c.url, {
        body: Buffer.alloc(3_000_000, 0x20),
        contentType: JSON_TYPE,
        token: TOKENS.shop,
        headers: { 'transfer-encoding': 'chunked' },
      });
      expect(pick(answer)).toEqual(
        refusal(413, 'body_too_large', 'the body is larger than 1048576 bytes; at most 1048576 bytes are accepted per request: split the batch'),
      );
    });

    it('413: more than maxEvents events', async () => {
      const answer = await send(c.url, { body: JSON.stringify(Array.from({ length: 1001 }, () => 0)), contentType: JSON_TYPE, token: TOKENS.shop });
      expect(pick(answer)).toEqual(refusal(413, 'too_many_events', 'the request carries 1001 events; at most 1000 are accepted per request: split the batch'));
      const ndjson = await send(c.url, { body: '{}\n'.repeat(1001), contentType: NDJSON_TYPE, token: TOKENS.shop });
      expect(ndjson.status).toBe(413);
    });

    it.each([
      [undefined, undefined, 'the request has no Content-Type; send Content-Type: application/json with a JSON array of events, or application/x-ndjson with one event per line'],
      ['text/plain', undefined, 'Content-Type "text/plain" is not accepted; send Content-Type: application/json with a JSON array of events, or application/x-ndjson with one event per line'],
      ['application/json; charset=latin1', undefined, 'charset "latin1" is not accepted; encode the body as UTF-8 (charset=utf-8)'],
      ['application/json', 'gzip', 'Content-Encoding "gzip" is not supported; send the body uncompressed'],
    ])('415: Content-Type %j, Content-Encoding %j', async (contentType, encoding, message) => {
      const answer = await send(c.url, { body: '[]', contentType, token: TOKENS.shop, headers: encoding ? { 'content-encoding': encoding } : {} });
      expect(pick(answer)).toEqual(refusal(415, 'unsupported_media_type', message));
    });
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once a token exceeds its burst, and lets it through after the wait', async () => {
    let now = Date.parse('2026-11-26T10:20:00Z');
    // Event times follow the collector's clock: stamped by the real clock, they are "in the future" of this one.
    const event = () => shopEvent({}, now);
    const c = await startCollector({ config: testConfig({ rateLimitEventsPerSecond: 2, rateLimitBurst: 10 }), now: () => now });
    try {
      const first = await postJson(c.url, Array.from({ length: 8 }, event));
      expect({ status: first.status, body: first.body }).toEqual({ status: 202, body: { accepted: 8, rejected: [] } });
      const limited = await postJson(c.url, Array.from({ length: 5 }, event));
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('2');
      expect(limited.body).toEqual({
        error: { code: 'rate_limited', message: 'the token "shop-agent" is over its rate limit of 2 events/s (burst 10); retry after 2 s' },
      });
      // Another token has its own bucket.
      expect((await postJson(c.url, [{ ...event(), source: 'crm' }], TOKENS.crm)).status).toBe(202);
      now += 1500;
      expect((await postJson(c.url, Array.from({ length: 5 }, event))).status).toBe(202);
      expect(c.published).toHaveLength(8 + 1 + 5);
    } finally {
      await c.close();
    }
  });

  it('is off when rateLimitEventsPerSecond is 0', async () => {
    const c = await startCollector({ config: testConfig({ rateLimitEventsPerSecond: 0, rateLimitBurst: 1 }) });
    try {
      for (let i = 0; i < 3; i++) expect((await postJson(c.url, [shopEvent(), shopEvent()])).status).toBe(202);
    } finally {
      await c.close();
    }
  });
});

describe('when the bus cannot take the events', () => {
  it('answers 503 with Retry-After when the bus rejects, without leaking its details', async () => {
    const c = await startCollector({ bus: failingBus('reject') });
    try {
      const answer = await postJson(c.url, [shopEvent(), { bad: true }]);
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.body).toEqual({
        error: {
          code: 'unavailable',
          message: 'the event bus is unavailable right now; keep the events and retry the same request later (events are deduplicated by event_id)',
        },
      });
    } finally {
      await c.close();
    }
  });

  it('answers 503 after publishTimeoutMs when the bus never answers', async () => {
    const c = await startCollector({ bus: failingBus('hang'), config: testConfig({ publishTimeoutMs: 200 }) });
    try {
      const answer = await postJson(c.url, [shopEvent()]);
      expect(answer.status).toBe(503);
      expect((answer.body as { error: { message: string } }).error.message).toBe(
        'the event bus did not acknowledge the events within 200 ms; keep the events and retry the same request later (events are deduplicated by event_id)',
      );
      const ready = await send(c.url, { method: 'GET', path: '/readyz' });
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ error: { code: 'not_ready', message: 'the event bus is not connected; events would be refused with 503 until it is' } });
    } finally {
      await c.close();
    }
  });
});

describe('logs', () => {
  it('never contain a token, whether it is valid, unknown or lacks the scope', async () => {
    const lines: string[] = [];
    const c = await startCollector({ logger: capturingLogger(lines) });
    try {
      await send(c.url, { body: '[]', contentType: JSON_TYPE, token: 'wrong-token-1f2e3d4c5b6a' });
      await postJson(c.url, [shopEvent()], TOKENS.readOnly);
      await postJson(c.url, [{ ...shopEvent(), source: 'crm' }], TOKENS.shop);
      await send(c.url, { body: '[', contentType: JSON_TYPE, token: TOKENS.shop });
      await postJson(c.url, [shopEvent(), { ...shopEvent(), nope: 1 }], TOKENS.shop);
      const log = lines.join('');
      expect(lines.length).toBeGreaterThanOrEqual(5);
      for (const token of ['wrong-token-1f2e3d4c5b6a', ...Object.values(TOKENS)]) expect(log).not.toContain(token);
      const refused = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg !== 'collector listening');
      expect(refused.map((l) => [l.level, l.status, l.code])).toEqual([
        [40, 401, 'invalid_token'],
        [40, 403, 'missing_scope'],
        [40, 403, 'forbidden_source'],
        [30, 400, 'invalid_json'],
        [30, undefined, undefined],
      ]);
      expect(refused[4]).toMatchObject({ msg: 'events rejected', client: 'shop-agent', accepted: 1, rejected: 1, reasons: { unknown_field: 1 } });
    } finally {
      await c.close();
    }
  });
});

describe('health, readiness and metrics', () => {
  let c: TestCollector;
  beforeAll(async () => {
    c = await startCollector();
  });
  afterAll(() => c.close());

  it('/healthz and /readyz answer 200 while the bus is up', async () => {
    expect(await send(c.url, { method: 'GET', path: '/healthz' })).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await send(c.url, { method: 'GET', path: '/readyz' })).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('answers unknown routes and methods in JSON', async () => {
    expect(await send(c.url, { method: 'GET', path: '/v2/events' })).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', message: 'no route for GET /v2/events; events go to POST /v1/events' } },
    });
    const get = await send(c.url, { method: 'GET' });
    expect(get).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed', message: 'GET is not allowed here; use POST' } } });
    expect(get.headers.allow).toBe('POST');
  });

  it('/metrics counts requests by route and status, and events by outcome and reason', async () => {
    await postJson(c.url, [shopEvent(), shopEvent(), shopEvent({ order_id: '' }), shopEvent({ occurred_at: 'yesterday' })]);
    await send(c.url, { body: '[]', contentType: JSON_TYPE });
    const answer = await send(c.url, { method: 'GET', path: '/metrics' });
    expect(answer.status).toBe(200);
    const text = answer.body as string;
    expect(text).toContain('orderscope_collector_events_accepted_total 2');
    expect(text).toContain('orderscope_collector_events_rejected_total{reason="invalid_order_id"} 1');
    expect(text).toContain('orderscope_collector_events_rejected_total{reason="invalid_occurred_at"} 1');
    expect(text).toContain('orderscope_collector_events_rejected_total{reason="rate_limited"} 0');
    expect(text).toContain('orderscope_collector_http_requests_total{route="/v1/events",status="202"} 1');
    expect(text).toContain('orderscope_collector_http_requests_total{route="/v1/events",status="401"} 1');
    expect(text).toContain('orderscope_collector_publish_duration_seconds_count{outcome="ok"} 1');
    expect(text).toContain('process_cpu_seconds_total');
    for (const line of text.split('\n').filter((l) => l.startsWith('orderscope_'))) expect(line).not.toMatch(/[{,](order_id|event_id)=/);
    expect(text.match(/^# HELP orderscope_collector_\w+ \S/gm)).toHaveLength(Object.keys(COLLECTOR_METRICS).length);
  });
});

describe('the ingest on its own path (served without express) and on the paths express also routes to it', () => {
  const PATHS = ['/v1/events', '/v1/events?from=test', '/v1/events/', '/V1/Events'];
  let broken = false;
  const lines: string[] = [];
  let c: TestCollector;
  beforeAll(async () => {
    c = await startCollector({
      logger: capturingLogger(lines),
      now: () => {
        if (broken) throw new Error('the clock broke');
        return Date.now();
      },
    });
  });
  afterAll(() => c.close());

  /** What a client can tell of an answer: status, body, and the headers that describe it. */
  const shown = (a: Awaited<ReturnType<typeof send>>) => ({
    status: a.status,
    body: a.body,
    type: a.contentType,
    length: a.headers['content-length'],
    more: [a.headers['x-powered-by'], a.headers.etag],
  });

  it('answers every request alike, and counts each under the route /v1/events', async () => {
    const event = shopEvent();
    const answers = [];
    for (const path of PATHS) {
      answers.push([
        shown(await send(c.url, { path, body: JSON.stringify([event]), contentType: JSON_TYPE, token: TOKENS.shop })),
        shown(await send(c.url, { path, body: '[', contentType: JSON_TYPE, token: TOKENS.shop })),
        shown(await send(c.url, { path, body: '[]', contentType: JSON_TYPE })),
      ]);
    }
    expect(answers[0]!.map((a) => a.status)).toEqual([202, 400, 401]);
    expect(answers[0]![0]).toEqual({ status: 202, body: { accepted: 1, rejected: [] }, type: 'application/json; charset=utf-8', length: '28', more: [undefined, undefined] });
    for (const other of answers.slice(1)) expect(other).toEqual(answers[0]);
    expect(c.published).toHaveLength(PATHS.length);
    const metrics = (await send(c.url, { method: 'GET', path: '/metrics' })).body as string;
    for (const status of [202, 400, 401]) expect(metrics).toContain(`orderscope_collector_http_requests_total{route="/v1/events",status="${status}"} ${PATHS.length}`);
  });

  it("answers a fault of the collector's own 500 without its details, and logs it", async () => {
    broken = true;
    try {
      for (const path of PATHS) {
        const answer = await send(c.url, { path, body: JSON.stringify([shopEvent()]), contentType: JSON_TYPE, token: TOKENS.shop });
        expect([path, answer.status, answer.body]).toEqual([path, 500, { error: { code: 'internal', message: 'internal error; the details are in the server log' } }]);
      }
    } finally {
      broken = false;
    }
    expect(lines.filter((l) => l.includes('unexpected error while serving a request') && l.includes('the clock broke'))).toHaveLength(PATHS.length);
  });
});

import { listen, type RunningServer } from '../../common';
import { parseReportQuery } from '../report';
import { ADMIN_TOKEN, READ_TOKEN, apiGet, apiTestConfig, orderEvent, startEmbedded, type EmbeddedTracker } from '../test/fixtures';
import { encodeCursor, parseListQuery } from './list-query';

/**
 * Issue 12, "every hostile request gets a 4xx and costs little": requests a security pass sent to the
 * tracker in embedded mode, each once a 500 or a huge body, with the exact answer each gets now.
 */

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

/** Segments and operator ids a spreadsheet would run as formulas (OWASP's CSV injection examples). */
const FORMULAS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", '-2+3+cmd', '+1', '@SUM(1+1)', '\tTAB', '\rCR'];

let t: EmbeddedTracker;
let server: RunningServer;
const get = (path: string) => apiGet(server.url, path, READ_TOKEN);
const error = async (path: string) => {
  const res = await get(path);
  return [res.status, res.headers.get('content-type'), res.body?.error] as const;
};
const invalid = (message: string) => [400, 'application/json; charset=utf-8', { code: 'invalid_input', message }] as const;

beforeAll(async () => {
  t = await startEmbedded({ config: apiTestConfig(), now: () => NOW });
  await t.bus.publish(
    FORMULAS.flatMap((value, i) => {
      const id = `f-${i}`;
      return [
        orderEvent(id, 'placed', '2026-11-25T10:00:00Z', { attributes: { segment: value } }),
        orderEvent(id, 'quote_requested', '2026-11-25T10:01:00Z'),
        orderEvent(id, 'pricing', '2026-11-25T10:02:00Z'),
        orderEvent(id, 'quoted', '2026-11-25T10:03:00Z'),
        orderEvent(id, 'assigned', '2026-11-25T10:04:00Z', { attributes: { operator_id: value } }),
        orderEvent(id, 'cancelled', '2026-11-25T11:04:00Z'),
      ];
    }),
  );
  server = await listen(t.tracker.app, '127.0.0.1', 0);
});

afterAll(async () => {
  await server?.close();
  await t?.close();
});

describe('report periods a report cannot cover', () => {
  const outOfRange = (name: string, text: string) => invalid(`${name}: "${text}" is out of range: a report covers 1900-01-01T00:00:00Z to 2150-01-01T00:00:00Z, the times order events can have`);

  it.each([
    ['from=1000-01-01', outOfRange('from', '1000-01-01')],
    ['to=9999-12-30', outOfRange('to', '9999-12-30')],
    ['to=9999-12-31', outOfRange('to', '9999-12-31')],
    ['from=0099-01-01', outOfRange('from', '0099-01-01')],
    ['format=html&from=1000-01-01', outOfRange('from', '1000-01-01')],
    ['from=2025-01-01&to=2026-01-02', invalid('the period from 2025-01-01T00:00:00.000Z to 2026-01-03T00:00:00.000Z is 367 days; a report covers at most 366 days: narrow from and to')],
    ['from=2025-11-01', invalid('the period from 2025-11-01T00:00:00.000Z to 2026-11-30T12:00:00.000Z (now: to was not given) is 394.5 days; a report covers at most 366 days: narrow from and to')],
  ])('answers %s with a 400 that says what to write', async (query, answer) => {
    expect(await error(`/v1/reports/latency?${query}`)).toEqual(answer);
  });

  it('gives the longest period it covers, 366 days, with one trend row per day, as JSON and as a page', async () => {
    const json = await get('/v1/reports/latency?from=2024-01-01&to=2024-12-31');
    expect(json.status).toBe(200);
    expect(json.body.days).toHaveLength(366);
    expect([json.body.days[0].day, json.body.days[365].day]).toEqual(['2024-01-01', '2024-12-31']);
    const page = await get('/v1/reports/latency?format=html&from=2024-01-01&to=2024-12-31');
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
  });
});

describe('CSV cells a spreadsheet would run as formulas', () => {
  // exact: the figures are percentile_cont's (the rollups' would be within 1 % of them).
  const WEEK = 'from=2026-11-23&to=2026-11-29&format=csv&exact=true';

  it('start with a quote in the segment view, then are quoted as RFC 4180 says', async () => {
    const res = await get(`/v1/reports/latency?${WEEK}&group_by=segment`);
    expect(res.text.split('\r\n')).toEqual([
      'segment,orders_completed,orders_ended_otherwise,lead_time_p50_seconds,lead_time_p90_seconds,lead_time_p99_seconds,stuck,lost,method,relative_error',
      "'\tTAB,0,1,,,,0,0,exact,0",
      `"'\rCR",0,1,,,,0,0,exact,0`,
      "'+1,0,1,,,,0,0,exact,0",
      "'-2+3+cmd,0,1,,,,0,0,exact,0",
      `"'=HYPERLINK(""http://x"",""y"")",0,1,,,,0,0,exact,0`,
      "'=cmd|' /C calc'!A0,0,1,,,,0,0,exact,0",
      "'@SUM(1+1),0,1,,,,0,0,exact,0",
      '',
    ]);
  });

  it('start with a quote in the operator view, while the numbers stay numbers (an hour in assigned, within its 8h SLA)', async () => {
    const res = await get(`/v1/reports/latency?${WEEK}&group_by=operator`);
    expect(res.text.split('\r\n')).toEqual([
      'operator_id,orders,share_of_orders,time_to_confirm_p50_seconds,time_to_confirm_p90_seconds,within_sla_share,method,relative_error',
      "'\tTAB,1,0.142857,3600,3600,1,exact,0",
      `"'\rCR",1,0.142857,3600,3600,1,exact,0`,
      "'+1,1,0.142857,3600,3600,1,exact,0",
      "'-2+3+cmd,1,0.142857,3600,3600,1,exact,0",
      `"'=HYPERLINK(""http://x"",""y"")",1,0.142857,3600,3600,1,exact,0`,
      "'=cmd|' /C calc'!A0,1,0.142857,3600,3600,1,exact,0",
      "'@SUM(1+1),1,0.142857,3600,3600,1,exact,0",
      '',
    ]);
  });

  it('are shown unchanged in JSON, which no spreadsheet runs', async () => {
    const res = await get('/v1/reports/latency?from=2026-11-23&to=2026-11-29&group_by=segment');
    expect(res.body.rows.map((r: { segment: string }) => r.segment)).toEqual(['\tTAB', '\rCR', '+1', '-2+3+cmd', '=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", '@SUM(1+1)']);
  });
});

describe('text PostgreSQL cannot store', () => {
  const nul = (name: string) => invalid(`${name}: must not contain U+0000 (NUL)`);

  it.each([
    ['/v1/orders', ['state', 'status', 'segment', 'limit', 'cursor']],
    ['/v1/lost', ['state', 'segment', 'limit', 'cursor']],
    ['/v1/reports/latency', ['from', 'to', 'group_by', 'format']],
    ['/v1/dead-letters', ['status', 'reason', 'limit', 'cursor']],
  ])('%s refuses a U+0000 in each of its parameters, naming it', async (path, names) => {
    for (const name of names) expect([name, await error(`${path}?${name}=a%00b`)]).toEqual([name, nul(name)]);
  });

  it('refuses a lone surrogate in each parameter too (the CLI and other callers pass strings, not bytes)', () => {
    for (const name of ['state', 'status', 'segment', 'limit', 'cursor']) {
      expect(() => parseListQuery({ [name]: 'a\ud800' })).toThrow(`${name}: must not contain a lone surrogate (invalid UTF-16)`);
    }
    for (const name of ['from', 'to', 'group_by', 'format']) {
      expect(() => parseReportQuery({ [name]: '\udc00' }, NOW * 1000)).toThrow(`${name}: must not contain a lone surrogate (invalid UTF-16)`);
    }
  });

  it('refuses a cursor whose order id holds a U+0000, or whose time no event can have, as not a cursor of the list', async () => {
    const notACursor = invalid('cursor: not a cursor of this list; pass the next_cursor of the previous page unchanged');
    const forged = [
      encodeCursor({ stateSince: Date.UTC(2026, 10, 25) * 1000, orderId: 'f-1\u0000' }),
      encodeCursor({ stateSince: Date.UTC(2026, 10, 25) * 1000, orderId: '' }),
      encodeCursor({ stateSince: Number.MAX_SAFE_INTEGER, orderId: 'f-1' }),
      encodeCursor({ stateSince: -Number.MAX_SAFE_INTEGER, orderId: 'f-1' }),
    ];
    for (const cursor of forged) {
      expect(await error(`/v1/orders?cursor=${cursor}`)).toEqual(notACursor);
      expect(await error(`/v1/lost?cursor=${cursor}`)).toEqual(notACursor);
    }
  });

  it('refuses an order id in a path that no event can have, by the contract’s own rule', async () => {
    expect(await error('/v1/orders/%00')).toEqual(invalid('order_id: "\\u0000" is not an order id (must not contain U+0000 (NUL))'));
    expect(await error('/v1/orders/f-1%00')).toEqual(invalid('order_id: "f-1\\u0000" is not an order id (must not contain U+0000 (NUL))'));
    expect(await error('/v1/orders/a%20b')).toEqual(invalid('order_id: "a b" is not an order id (may contain only letters, digits, ".", "_", "-" and ":")'));
    expect(await error(`/v1/orders/${'x'.repeat(129)}`)).toEqual(invalid(`order_id: "${'x'.repeat(129)}" is not an order id (must be at most 128 characters)`));
  });

  it('answers the order page with a 400 page', async () => {
    const res = await get('/orders/%00');
    expect([res.status, res.headers.get('content-type'), res.headers.get('content-security-policy')?.startsWith("default-src 'none'")]).toEqual([400, 'text/html; charset=utf-8', true]);
    expect(res.text).toContain('<h1>Not a valid address</h1><div class="notice">order_id: &quot;\\u0000&quot; is not an order id (must not contain U+0000 (NUL))</div>');
  });

  it('refuses a dead letter id that is not one, for reading, retrying and dropping', async () => {
    const notAnId = invalid('id: "\\u0000" is not a dead letter id (a whole number from 1, as GET /v1/dead-letters lists them)');
    expect(await error('/v1/dead-letters/%00')).toEqual(notAnId);
    for (const action of ['retry', 'drop']) {
      const res = await fetch(`${server.url}/v1/dead-letters/%00/${action}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect([res.status, res.headers.get('content-type'), ((await res.json()) as { error: unknown }).error]).toEqual(notAnId);
    }
  });
});

describe('paths whose percent-encoding does not decode', () => {
  const undecodable = (path: string) =>
    `the path "${path}" is not valid percent-encoding: each "%" must start an escape such as %20, and the escapes must spell UTF-8; write a "%" itself as %25`;

  it.each(['/v1/orders/%E0%A4%A', '/v1/orders/%ZZ', '/v1/orders/%ED%A0%80', '/v1/dead-letters/%C0%AF', '/v1/nothing/%'])('%s is a 400 that says how to write a "%"', async (path) => {
    expect(await error(path)).toEqual(invalid(undecodable(path)));
  });

  it('is a 400 page under /orders/', async () => {
    const res = await get('/orders/%E0%A4%A');
    expect([res.status, res.headers.get('content-type')]).toEqual([400, 'text/html; charset=utf-8']);
    expect(res.text).toContain(`<div class="notice">${undecodable('/orders/%E0%A4%A').replaceAll('"', '&quot;')}</div>`);
  });
});

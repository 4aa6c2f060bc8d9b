import { traceBackend } from '../traces';
import { silentLogger, listen, type RunningServer } from '../../common';
import { Registry } from 'prom-client';
import { migrate, type Db } from '../store';
import { loadWeek, NOW_MS } from '../report/test/week';
import { model, orderEvent, startEmbedded, type EmbeddedTracker, apiTestConfig, apiGet, READ_TOKEN } from '../test/fixtures';
import { createRedriver } from '../redrive/redriver';
import { createTrackerApp } from './app';
import { openTestPglite } from '../test/pglite-template';

const config = apiTestConfig();
/** An operator id and a segment that try to become markup: user data, to be shown as text. */
const EVIL_OPERATOR = '<img src=x onerror=alert(1)>';
const EVIL_SEGMENT = '"><script>alert(1)</script>';

let t: EmbeddedTracker;
let server: RunningServer;

const get = (path: string, token: string | null = READ_TOKEN) => apiGet(server.url, path, token);

beforeAll(async () => {
  t = await startEmbedded({ config, now: () => NOW_MS });
  await loadWeek(t);
  await t.bus.publish([
    orderEvent('xss1', 'placed', '2026-11-28T10:00:00Z', { attributes: { segment: EVIL_SEGMENT } }),
    orderEvent('xss1', 'quote_requested', '2026-11-28T10:01:00Z'),
    orderEvent('xss1', 'pricing', '2026-11-28T10:02:00Z'),
    orderEvent('xss1', 'quoted', '2026-11-28T10:03:00Z'),
    orderEvent('xss1', 'assigned', '2026-11-28T10:04:00Z', { attributes: { operator_id: EVIL_OPERATOR } }),
    orderEvent('xss1', 'cancelled', '2026-11-28T11:04:00Z'),
  ]);
  server = await listen(t.tracker.app, '127.0.0.1', 0);
});

afterAll(async () => {
  await server?.close();
  await t?.close();
});

const WEEK_QUERY = 'from=2026-11-23&to=2026-11-29';

describe('GET /v1/reports/latency', () => {
  it('needs a token with the read scope', async () => {
    expect((await get('/v1/reports/latency', null)).status).toBe(401);
    const forbidden = await get('/v1/reports/latency', 'ingest-token');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('missing_scope');
  });

  it('answers JSON by default: the whole report of the last 7 days', async () => {
    const { status, body, headers } = await get('/v1/reports/latency');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('application/json');
    expect(body.period).toEqual({ from: '2026-11-23T12:00:00.000Z', to: '2026-11-30T12:00:00.000Z' });
    expect(body).toMatchObject({ method: 'rollup', relative_error: 0.01 });
    expect(Object.keys(body)).toEqual(['model', 'method', 'relative_error', 'period', 'measured_until', 'generated_at', 'stays_counted', 'empty', 'summary', 'states', 'lead_time', 'slowest', 'lost', 'segments', 'operators', 'days']);
  });

  it('gives one view as JSON rows with group_by', async () => {
    const { body } = await get(`/v1/reports/latency?${WEEK_QUERY}&group_by=operator`);
    expect(body.group_by).toBe('operator');
    expect(body.rows.map((r: { operator_id: string; orders: number }) => [r.operator_id, r.orders])).toEqual([
      ['op-a', 3],
      ['op-b', 2],
      [EVIL_OPERATOR, 1],
    ]);
  });

  it('gives a CSV download, by state unless told otherwise', async () => {
    // exact=true: the percentiles below are percentile_cont's, worked out by hand.
    const res = await get(`/v1/reports/latency?${WEEK_QUERY}&format=csv&exact=true`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="orderscope-latency-2026-11-23_2026-11-29-by-state.csv"');
    const lines = res.text.split('\r\n');
    expect(lines[0]).toBe('state,system,sla_seconds,stays,open_stays,p50_seconds,p90_seconds,p99_seconds,within_sla,missed_sla,within_sla_share,stuck,lost,label,mean_seconds,method,relative_error');
    // placed: 60 60 60 120 180 240 600 7200 (xss1 added one 60); p90 = 600 + 0.3 * 6600
    expect(lines[1]).toBe('placed,shop,120,8,0,150,2580,6738,4,4,0.5,0,0,placed,1065,exact,0');
    expect(lines).toHaveLength(10); // header, 8 states, and the empty string after the last CRLF
    const days = await get(`/v1/reports/latency?${WEEK_QUERY}&format=csv&group_by=day&exact=true`);
    expect(days.text.split('\r\n').slice(0, 3)).toEqual([
      'day,orders_completed,orders_ended_otherwise,lead_time_p50_seconds,lead_time_p90_seconds,method,relative_error',
      '2026-11-23,0,0,,,exact,0',
      '2026-11-24,1,0,94860,94860,exact,0',
    ]);
  });

  it('quotes user data in the CSV as RFC 4180 says', async () => {
    const res = await get(`/v1/reports/latency?${WEEK_QUERY}&format=csv&group_by=segment`);
    expect(res.text).toContain(`\r\n"""><script>alert(1)</script>",0,1,,,,0,0,rollup,0.01\r\n`);
  });

  it('gives a self-contained HTML page that shows user data as text', async () => {
    const res = await get(`/v1/reports/latency?${WEEK_QUERY}&format=html`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.text).toContain('<h1>Order latency report</h1>');
    expect(res.text).toContain('Mon 23 Nov – Sun 29 Nov 2026');
    expect(res.text).toContain('<a href="/orders/c4">c4</a>');
    expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.text).not.toContain(EVIL_OPERATOR);
    expect(res.text).not.toContain('<script');
    // Nothing to fetch: no external resource, no script, no stylesheet link.
    expect(res.text).not.toMatch(/<(img|script|link|iframe|object|embed)\b|@import|url\(/i);
  });

  it.each([
    ['from=yesterday', 'from: "yesterday" is not a date (2026-11-23) or an RFC 3339 time with an offset'],
    ['from=2026-02-30', 'from: "2026-02-30" is not a date of the calendar'],
    ['from=2026-11-29&to=2026-11-23', 'from (2026-11-29T00:00:00.000Z) must be before to (2026-11-24T00:00:00.000Z)'],
    ['format=pdf', 'format: "pdf" is not a report format (one of: json, csv, html)'],
    ['group_by=week', 'group_by: "week" is not a view of the report (one of: state, segment, operator, day)'],
    ['group_by=state&format=html', 'group_by: the HTML report shows every view'],
    ['from=2026-11-23&from=2026-11-24', 'from: give it once'],
    ['form=html', 'unknown query parameter "form"'],
    ['exact=yes', 'exact: "yes" is not true or false'],
  ])('answers 400 for %s, saying what to fix', async (query, message) => {
    const res = await get(`/v1/reports/latency?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect(res.body.error.message).toContain(message);
  });

  it('reads from the report connection (the read replica) when there is one', async () => {
    const replica: Db = await openTestPglite();
    try {
      await migrate(replica);
      const app = createTrackerApp({
        db: t.db,
        reportDb: replica,
        model,
        tokens: config.tokens,
        traces: traceBackend('none', ''),
        registry: new Registry(),
        logger: silentLogger(),
        readiness: () => ({ started: true, bus: true }),
        deadLetters: { retry: t.tracker.retryDeadLetter, drop: t.tracker.dropDeadLetter },
        redriver: createRedriver({ db: t.db, model, rate: { eventsPerSecond: 0, burst: 1 } }),
        now: () => NOW_MS,
      });
      const other = await listen(app, '127.0.0.1', 0);
      try {
        const res = await fetch(`${other.url}/v1/reports/latency?${WEEK_QUERY}`, { headers: { authorization: 'Bearer read-token' } });
        expect(((await res.json()) as { empty: boolean }).empty).toBe(true);
        const orders = await fetch(`${other.url}/v1/orders/c4`, { headers: { authorization: 'Bearer read-token' } });
        expect(orders.status).toBe(200);
      } finally {
        await other.close();
      }
    } finally {
      await replica.close();
    }
  }, 30_000); // a second PGlite starts and migrates: slow on a busy machine
});

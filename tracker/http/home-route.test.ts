import { heartbeatEvent } from '../../events';
import { listen, type RunningServer } from '../../common';
import { loadWeek, NOW_MS } from '../report/test/week';
import { apiGet, orderEvent, startEmbedded, type EmbeddedTracker, apiTestConfig } from '../test/fixtures';

// The tests sweep when they mean to (t.tracker.sweep()). The sweeper's own timer would flag an order
// a later test adds (tr1) lost whenever it happens to run, so what a page lists would depend on the
// machine's speed: an hour between its rounds keeps it out of the file's few seconds.
const config = apiTestConfig({ sweepIntervalMs: 3_600_000 });
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const EVIL_OPERATOR = '<img src=x onerror=alert(1)>';

let t: EmbeddedTracker;
let server: RunningServer;

/** A request as a browser makes it: no redirects followed, cookies and the headers of its origin passed by hand. */
async function browse(path: string, options: { cookie?: string; method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method: options.method ?? 'GET',
    redirect: 'manual',
    headers: {
      ...(options.cookie && { cookie: options.cookie }),
      ...(options.form && { 'content-type': 'application/x-www-form-urlencoded' }),
      ...options.headers,
    },
    ...(options.form && { body: new URLSearchParams(options.form).toString() }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A sign-in form posted as a browser posts it from a page at `origin` (the tracker's own by default). */
const postLogin = (form: Record<string, string>, headers: Record<string, string> = { origin: server.url }) => browse('/login', { method: 'POST', form, headers });

/** The hidden fields of a page's form, as a browser would post them. */
function hiddenFields(page: string): Record<string, string> {
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return Object.fromEntries([...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, unescape(m[2]!)]));
}

const SIGNED_IN = `orderscope_token=read-token`;

beforeAll(async () => {
  t = await startEmbedded({ config, now: () => NOW_MS });
  await loadWeek(t);
  // Stuck in assigned on Monday: its operator id is shown on the home page, as text.
  await t.bus.publish([
    orderEvent('xss2', 'placed', '2026-11-30T01:00:00Z'),
    orderEvent('xss2', 'quote_requested', '2026-11-30T01:01:00Z'),
    orderEvent('xss2', 'pricing', '2026-11-30T01:02:00Z'),
    orderEvent('xss2', 'quoted', '2026-11-30T01:03:00Z'),
    orderEvent('xss2', 'assigned', '2026-11-30T01:04:00Z', { attributes: { operator_id: EVIL_OPERATOR } }),
  ]);
  await t.tracker.sweep();
  server = await listen(t.tracker.app, '127.0.0.1', 0);
});

afterAll(async () => {
  await server?.close();
  await t?.close();
});

describe('signing a browser in', () => {
  it('shows the sign-in form, not the page, without a token', async () => {
    const res = await browse('/');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<form class="login" method="post" action="/login">');
    expect(res.text).not.toContain('Orders in flight</h1>');
  });

  it('answers a ?token= link with a page that asks first, and signs nobody in by itself', async () => {
    const res = await browse('/?token=read-token&next=%2Forders%2Fc4');
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.text).toContain(`<h1>Sign in to orderscope at ${new URL(server.url).host}?</h1>`);
    expect(res.text).toContain('<form class="login" method="post" action="/login">');
    expect(hiddenFields(res.text)).toEqual({ token: 'read-token', next: '/orders/c4' });
  });

  it('answers a ?token= link to any page with the same question, going on to that page without the token', async () => {
    const res = await browse('/orders/c4?token=read-token');
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.text).toContain(`<h1>Sign in to orderscope at ${new URL(server.url).host}?</h1>`);
    expect(hiddenFields(res.text)).toEqual({ token: 'read-token', next: '/orders/c4' });
  });

  it('signs in from the confirm page: its form, posted from the tracker\'s own origin, sets the cookie and goes on', async () => {
    const confirm = await browse('/?token=read-token&next=%2Forders%2Fc4');
    const res = await postLogin(hiddenFields(confirm.text));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/orders/c4');
    expect(res.headers.get('set-cookie')).toBe('orderscope_token=read-token; Path=/; HttpOnly; SameSite=Strict');
    expect((await browse('/orders/c4', { cookie: SIGNED_IN })).status).toBe(200);
  });

  it('accepts the Referer\'s origin when a browser sends no Origin', async () => {
    const res = await postLogin({ token: 'read-token', next: '/' }, { referer: `${server.url}/?token=read-token` });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toBe('orderscope_token=read-token; Path=/; HttpOnly; SameSite=Strict');
  });

  it('refuses a sign-in posted by another site (login CSRF) with a page saying why, and the form', async () => {
    const senders: Record<string, string>[] = [{ origin: 'https://evil.example' }, { referer: 'https://evil.example/page' }, { origin: 'https://evil.example', referer: `${server.url}/` }];
    for (const headers of senders) {
      const res = await postLogin({ token: 'read-token', next: '/' }, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.text).toContain(
        `<p class="error">This sign-in was sent from https://evil.example, not from the tracker’s own page at ${server.url}, so it was refused: another site may be trying to sign your browser in with a token of its choosing. Sign in with the form below. (Behind a proxy, the proxy must pass on the Host header the browser used.)</p>`,
      );
      expect(res.text).toContain('<input type="password" name="token"');
    }
    // A sandboxed or privacy-sensitive page says "null": not the tracker's page either.
    expect((await postLogin({ token: 'read-token' }, { origin: 'null' })).status).toBe(403);
    // The tracker on another port is another origin.
    expect((await postLogin({ token: 'read-token' }, { origin: 'http://127.0.0.1:1' })).status).toBe(403);
  });

  it('refuses a sign-in that carries neither Origin nor Referer, saying so', async () => {
    const res = await postLogin({ token: 'read-token', next: '/' }, {});
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.text).toContain(
      `<p class="error">Your browser sent neither an Origin nor a Referer header, so the tracker cannot tell that this sign-in came from its own page at ${server.url}, and refused it. Sign in with the form below; if this keeps happening, a browser extension or a proxy removes those headers.</p>`,
    );
  });

  it('sends a signed-in browser only to a page of this server', async () => {
    expect((await postLogin({ token: 'read-token', next: '//evil.example/' })).headers.get('location')).toBe('/');
    expect((await postLogin({ token: 'read-token', next: 'https://evil.example/' })).headers.get('location')).toBe('/');
    expect(hiddenFields((await browse('/?token=read-token&next=%2F%2Fevil.example%2F')).text).next).toBe('/');
  });

  it('refuses a wrong token or one without the read scope, without showing it', async () => {
    const wrong = await browse('/?token=s3cr3t-guess');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That token was not accepted (unknown or revoked).');
    expect(wrong.text).not.toContain('s3cr3t-guess');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const ingest = await browse('/?token=ingest-token');
    expect(ingest.status).toBe(403);
    expect(ingest.text).toContain('That token cannot read: it needs the read scope.');
    const posted = await postLogin({ token: 's3cr3t-guess', next: '/' });
    expect(posted.status).toBe(401);
    expect(posted.text).toContain('That token was not accepted (unknown or revoked).');
    expect(posted.text).not.toContain('s3cr3t-guess');
    expect((await postLogin({ token: ' ', next: '/' })).status).toBe(400);
  });

  it('signs in with the form, and out again', async () => {
    const res = await postLogin({ token: 'read-token', next: '/' });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toBe('orderscope_token=read-token; Path=/; HttpOnly; SameSite=Strict');
    const out = await browse('/logout', { cookie: SIGNED_IN });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toBe('orderscope_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
  });

  it('lets the cookie read the API too, so the page links work in a browser', async () => {
    expect((await browse('/v1/reports/latency?format=html', { cookie: SIGNED_IN })).status).toBe(200);
    expect((await browse('/v1/orders/c4', { cookie: 'orderscope_token=nope' })).status).toBe(401);
  });
});

describe('the home page', () => {
  let page: string;
  beforeAll(async () => {
    const res = await browse('/', { cookie: SIGNED_IN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    page = res.text;
  });

  it('shows the orders in flight per state, with stuck and lost ones', async () => {
    expect(page).toContain('<h1>Orders in flight</h1>');
    expect(page).toContain('aria-label="Orders in flight per state"');
    // in flight: late1, e1 (quote_requested, lost), s1 (pricing, stuck), w1, xss2 (assigned), f1 (placed), f2 (in_production)
    expect(page).toMatch(/<div class="label">Orders in flight<\/div><div class="value">7<\/div>/);
    expect(page).toContain('>quote_requested</text>');
    expect(page).toContain('2 orders · 2 lost · oldest 7d11h (SLA 5m)');
  });

  it('lists lost and stuck orders with links to their timelines', async () => {
    for (const id of ['e1', 'w1', 'late1', 's1', 'xss2']) expect(page).toContain(`<a href="/orders/${id}">${id}</a>`);
    expect(page).toContain('missed handoff to pricing<br><span class="muted">RabbitMQ queue mes.pricing (shop -&gt; MES)</span>');
  });

  it('links to this week\'s report, from Monday', async () => {
    expect(page).toContain('href="/v1/reports/latency?format=html&amp;from=2026-11-30"');
    expect(page).toContain('href="/v1/reports/latency?format=html&amp;from=2026-11-23&amp;to=2026-11-29">Last week</a>');
  });

  it('shows user data as text and never the token', async () => {
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain(EVIL_OPERATOR);
    expect(page).not.toContain('read-token');
  });
});

describe('an order\'s page', () => {
  it('shows its timeline from the same view as the API', async () => {
    const res = await browse('/orders/c4', { cookie: SIGNED_IN });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Order <span class="id">c4</span></h1>');
    expect(res.text).toContain('<a href="/v1/orders/c4">JSON</a>');
    expect(res.text).toContain('Status history');
    expect(res.text).toMatch(/<td class="">assigned<\/td><td class="">crm<\/td>.*?<span class="bad">over SLA<\/span>/);
  });

  it('shows times to the second with the milliseconds on hover, whole trace ids, and no trace link without a backend', async () => {
    await t.bus.publish([orderEvent('tr1', 'placed', '2026-11-30T01:51:07.250Z', { trace_id: TRACE, span_id: '00f067aa0ba902b7' }), orderEvent('tr1', 'quote_requested', '2026-11-30T01:51:09.500Z')]);
    const res = await browse('/orders/tr1', { cookie: SIGNED_IN });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<time datetime="2026-11-30T01:51:07.250Z" title="Mon 30 Nov 2026, 01:51:07.250 UTC">Mon 30 Nov 2026, 01:51:07 UTC</time>');
    expect(res.text).toContain(`<code class="trace">${TRACE}</code>`);
    // apiTestConfig sets no trace backend: no trace link and no search link leading nowhere.
    expect(res.text).not.toContain('>open</a>');
    expect(res.text).not.toContain('search all traces');
    expect(res.text).toContain('<a href="/v1/orders/tr1/traces">trace ids (JSON)</a>');
  });

  it('has an order-id box on every page that opens the order', async () => {
    for (const path of ['/', '/orders/c4', '/lost', '/orders/nobody']) {
      expect([path, (await browse(path, { cookie: SIGNED_IN })).text]).toEqual([path, expect.stringContaining('<form class="order-search" role="search" method="get" action="/orders">')]);
    }
    const found = await browse('/orders?id=%20c4%20', { cookie: SIGNED_IN });
    expect([found.status, found.headers.get('location')]).toEqual([303, '/orders/c4']);
    expect((await browse('/orders?id=SO%2F1', { cookie: SIGNED_IN })).headers.get('location')).toBe('/orders/SO%2F1');
    expect((await browse('/orders?id=', { cookie: SIGNED_IN })).status).toBe(400);
    expect((await browse('/orders?id=c4')).status).toBe(401);
  });

  it('says when an order is unknown, and asks to sign in first', async () => {
    const missing = await browse('/orders/nobody', { cookie: SIGNED_IN });
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('no order &quot;nobody&quot; is known');
    const anonymous = await browse('/orders/c4');
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toContain('<input type="hidden" name="next" value="/orders/c4">');
  });
});

describe('the tracking heartbeat on the home page', () => {
  it('shows how long ago the newest collector heartbeat was applied, from the tracker\'s own record', async () => {
    await t.bus.publish([heartbeatEvent('orderscope.heartbeat:0', NOW_MS - 5000)]);
    const res = await browse('/', { cookie: SIGNED_IN });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<div class="kpi good"><div class="label">Tracking heartbeat</div><div class="value">5s ago</div><div class="note">partition in-process</div></div>');
  });
});

describe('the pages of lost and stuck orders', () => {
  /** The rows of a page's table: each row's cells as text. */
  const rows = (page: string) =>
    [...page.matchAll(/<tr>(.*?)<\/tr>/g)].slice(1).map((r) => [...r[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()));

  it('list the lost orders of a state, longest first, each linked to its page, with why and what the state expects', async () => {
    const res = await browse('/lost?state=quote_requested', { cookie: SIGNED_IN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.text).toContain('<h1>Lost orders in quote_requested</h1>');
    expect(res.text).toContain('quote_requested is owned by shop; SLA 5m, lost after 30m; pricing (mes) must follow within 5m via RabbitMQ queue mes.pricing (shop -&gt; MES).');
    expect(rows(res.text)).toEqual([
      ['e1', 'quote_requested (shop)', 'missed handoff to pricing RabbitMQ queue mes.pricing (shop -&gt; MES)', '7d11h', 'b2c', '—'],
      ['late1', 'quote_requested (shop)', 'missed handoff to pricing RabbitMQ queue mes.pricing (shop -&gt; MES)', '9h59m', 'b2c', '—'],
    ]);
    expect(res.text).toContain('<a href="/orders/e1">e1</a>');
    expect(res.text).toContain('The same list as JSON: <a href="/v1/lost?state=quote_requested">/v1/lost?state=quote_requested</a>');
    // Nav and filters: the other states, and the segments shown.
    expect(res.text).toContain('<a href="/">Orders in flight</a>');
    expect(res.text).toContain(' <a href="/lost">every state</a>');
    expect(res.text).toContain(' <strong><a href="/lost?state=quote_requested">quote_requested</a></strong>');
    expect(res.text).toContain(' <a href="/lost?state=quote_requested&amp;segment=b2c">b2c</a>');
  });

  it('filter by segment, and say so when nothing is left', async () => {
    const b2b = await browse('/lost?state=quote_requested&segment=b2b', { cookie: SIGNED_IN });
    expect(b2b.status).toBe(200);
    expect(b2b.text).toContain('<h1>Lost orders in quote_requested, of segment b2b</h1>');
    expect(b2b.text).toContain('<p class="empty">No order is lost in quote_requested, of segment b2b.</p>');
    expect(b2b.text).toContain(' <a href="/lost?state=quote_requested">every segment</a>');
  });

  it('list the stuck orders, in every state or in one', async () => {
    const all = await browse('/stuck', { cookie: SIGNED_IN });
    expect(all.status).toBe(200);
    expect(all.text).toContain('<h1>Stuck orders</h1>');
    // w1 waited in assigned past its 3d lost-after limit: lost, no longer stuck.
    expect(rows(all.text)).toEqual([
      ['xss2', 'assigned (crm)', '10h56m', '8h', '—', '&lt;img src=x onerror=alert(1)&gt;'],
      ['s1', 'pricing (mes)', '56m20s', '15m', 'b2b', '—'],
    ]);
    expect(all.text).toContain('The same list as JSON: <a href="/v1/orders?status=stuck">/v1/orders?status=stuck</a>');
    const pricing = await browse('/stuck?state=pricing&segment=b2b', { cookie: SIGNED_IN });
    expect(rows(pricing.text).map((r) => r[0])).toEqual(['s1']);
    expect(pricing.text).toContain('<a href="/v1/orders?status=stuck&amp;state=pricing&amp;segment=b2b">');
  });

  it('page with the API\'s cursor, keeping the filter and the page size', async () => {
    const first = await browse('/stuck?limit=1', { cookie: SIGNED_IN });
    expect(rows(first.text).map((r) => r[0])).toEqual(['xss2']);
    const api = await apiGet(server.url, '/v1/orders?status=stuck&limit=1');
    const next = `/stuck?limit=1&amp;cursor=${api.body.next_cursor}`;
    expect(first.text).toContain(`<a href="${next}">Next page →</a>`);
    expect(first.text).not.toContain('First page');
    const second = await browse(next.replace('&amp;', '&'), { cookie: SIGNED_IN });
    expect(second.status).toBe(200);
    expect(rows(second.text).map((r) => r[0])).toEqual(['s1']);
    expect(second.text).toContain('<a href="/stuck?limit=1">First page</a>');
    expect(second.text).not.toContain('Next page');
  });

  it('answer a wrong or unknown parameter with a page saying what to write', async () => {
    const cases: [string, string][] = [
      ['/lost?status=lost', 'unknown query parameter &quot;status&quot; (the parameters are: state, segment, limit, cursor)'],
      ['/stuck?state=Pricing', 'state: &quot;Pricing&quot; is not a state name (lower case letters, digits, &quot;_&quot; or &quot;-&quot;)'],
      ['/lost?segment=b%002b', 'segment: must not contain U+0000 (NUL)'],
      ['/stuck?limit=0', 'limit: &quot;0&quot; is not a whole number from 1 to 500'],
      ['/lost?cursor=abc', 'cursor: not a cursor of this list; pass the next_cursor of the previous page unchanged'],
    ];
    for (const [path, message] of cases) {
      const res = await browse(path, { cookie: SIGNED_IN });
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 400, 'text/html; charset=utf-8']);
      expect(res.text).toContain(`<div class="notice">${message}</div>`);
    }
  });

  it('ask to sign in first, and come back to the same list', async () => {
    const res = await browse('/lost?state=quote_requested');
    expect(res.status).toBe(401);
    expect(res.text).toContain('<input type="hidden" name="next" value="/lost?state=quote_requested">');
  });

  it('are linked from the home page\'s lost and stuck orders, in all and per state', async () => {
    const home = (await browse('/', { cookie: SIGNED_IN })).text;
    expect(home).toContain('<a href="/lost">All lost orders</a> by state: <a href="/lost?state=quote_requested">quote_requested (2)</a>');
    expect(home).toContain('<a href="/stuck">All stuck orders</a> by state: <a href="/stuck?state=pricing">pricing (1)</a> <a href="/stuck?state=assigned">assigned (1)</a>');
  });
});

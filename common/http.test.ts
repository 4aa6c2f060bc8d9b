import express from 'express';
import { Counter, Gauge, Registry } from 'prom-client';
import { ConfigError } from './errors';
import { listen, metricsHandler, type RunningServer } from './http';
import { sendAndStall } from './slow-client';

/** What Node answers a client that ran out of time, before it closes the connection. */
const REQUEST_TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

describe('the HTTP servers of orderscope (listen)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const app = express();
    app.post('/echo', express.text(), (req, res) => {
      res.send(req.body as string);
    });
    server = await listen(app, '127.0.0.1', 0, { timeouts: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
  });
  afterAll(() => server?.close());

  it('answers 408 and closes the connection of a client that stops in the middle of its headers', async () => {
    expect(await sendAndStall(server.url, 'GET /echo HTTP/1.1\r\nHost: x\r\nX-Slow: ')).toBe(REQUEST_TIMEOUT_ANSWER);
  });

  it('answers 408 and closes the connection of a client that sends its headers and stops in its body', async () => {
    const partial = 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nthe first bytes';
    expect(await sendAndStall(server.url, partial)).toBe(REQUEST_TIMEOUT_ANSWER);
  });

  it('serves a client that sends its whole request', async () => {
    const res = await fetch(`${server.url}/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'all of it' });
    expect([res.status, await res.text()]).toEqual([200, 'all of it']);
  });
});

describe('a server that cannot listen', () => {
  it('names the address, says why in plain words and which setting to change', async () => {
    const taken = await listen(express(), '127.0.0.1', 0);
    const port = Number(new URL(taken.url).port);
    try {
      const refusal = (section?: string) => listen(express(), '127.0.0.1', port, { ...(section && { configSection: section }) }).then(() => undefined, (err: unknown) => err);
      const named = await refusal('tracker');
      expect(named).toBeInstanceOf(ConfigError);
      expect((named as Error).message).toBe(
        `cannot listen on 127.0.0.1:${port}: another process listens there already (another orderscope?); stop it, or choose another port: tracker.port (ORDERSCOPE_TRACKER_PORT)`,
      );
      expect(((await refusal()) as Error).message).toBe(`cannot listen on 127.0.0.1:${port}: another process listens there already (another orderscope?); stop it, or choose another port`);
      const flagged = await listen(express(), '127.0.0.1', port, { configSection: 'collector', flags: { port: '--collector-port' } }).then(() => undefined, (err: unknown) => err);
      expect((flagged as Error).message).toBe(
        `cannot listen on 127.0.0.1:${port}: another process listens there already (another orderscope?); stop it, or choose another port: --collector-port, or collector.port (ORDERSCOPE_COLLECTOR_PORT)`,
      );
    } finally {
      await taken.close();
    }
  });
});

describe('the /metrics handler', () => {
  let server: RunningServer;
  let gaugeReads = 0;
  beforeAll(async () => {
    const registry = new Registry();
    new Counter({ name: 'demo_events_total', help: 'events', registers: [registry] }).inc(3);
    new Counter({ name: 'demo_batches_total', help: 'batches', registers: [registry] }).inc(2);
    new Gauge({
      name: 'demo_orders',
      help: 'read from the database on every scrape',
      registers: [registry],
      collect() {
        gaugeReads += 1;
        this.set(7);
      },
    });
    const app = express();
    app.get('/metrics', metricsHandler(registry, { openMetrics: true }));
    server = await listen(app, '127.0.0.1', 0);
  });
  afterAll(() => server?.close());

  const samples = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#'));

  it('serves every metric without a name[] parameter', async () => {
    const before = gaugeReads;
    expect(samples(await (await fetch(`${server.url}/metrics`)).text())).toEqual(['demo_events_total 3', 'demo_batches_total 2', 'demo_orders 7']);
    expect(gaugeReads).toBe(before + 1);
  });

  it('serves only the metrics name[] names, leaves out unknown names, and does not collect the others', async () => {
    const before = gaugeReads;
    const res = await fetch(`${server.url}/metrics?name[]=demo_batches_total&name[]=no_such_metric&name[]=demo_events_total&name[]=demo_batches_total`);
    expect(samples(await res.text())).toEqual(['demo_batches_total 2', 'demo_events_total 3']);
    expect(gaugeReads).toBe(before);
  });

  it('filters the OpenMetrics format alike', async () => {
    const res = await fetch(`${server.url}/metrics?name[]=demo_orders`, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
    expect(samples(await res.text())).toEqual(['demo_orders 7']);
  });
});

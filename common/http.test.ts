import express from 'express';
import { ConfigError } from './errors';
import { listen, type RunningServer } from './http';
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

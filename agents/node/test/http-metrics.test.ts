import type { AddressInfo } from 'node:net';
import express from 'express';
import { Registry } from 'prom-client';
import { createHttpMetricsMiddleware } from '../http-metrics';

describe('the RED metrics middleware', () => {
  it('counts and times requests by method, route pattern and status; raw paths (order ids) never become labels', async () => {
    const registry = new Registry();
    const app = express();
    app.use(createHttpMetricsMiddleware(registry));
    const orders = express.Router();
    orders.get('/:id', (req, res) => {
      res.status(req.params.id === 'SO-404' ? 404 : 200).json({});
    });
    app.use('/orders', orders);
    app.post('/checkout', (_req, res) => {
      res.status(500).end();
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const p of ['/orders/SO-1', '/orders/SO-2', '/orders/SO-404']) await (await fetch(base + p)).text();
      await (await fetch(`${base}/checkout`, { method: 'POST' })).text();
      await (await fetch(`${base}/nowhere/SO-3`)).text();
      await (await fetch(`${base}/orders/SO-5`, { method: 'PROPFIND' })).text();
    } finally {
      await new Promise((r) => server.close(r));
    }
    const text = await registry.metrics();
    const counts = text.split('\n').filter((l) => l.startsWith('orderscope_http_server_requests_total{'));
    expect(counts.sort()).toEqual(
      [
        'orderscope_http_server_requests_total{method="GET",route="/orders/:id",status="200"} 2',
        'orderscope_http_server_requests_total{method="GET",route="/orders/:id",status="404"} 1',
        'orderscope_http_server_requests_total{method="POST",route="/checkout",status="500"} 1',
        'orderscope_http_server_requests_total{method="GET",route="unmatched",status="404"} 1',
        'orderscope_http_server_requests_total{method="other",route="unmatched",status="404"} 1',
      ].sort(),
    );
    expect(text).toContain('orderscope_http_server_request_duration_seconds_count{method="GET",route="/orders/:id",status="200"} 2');
    expect(text).not.toMatch(/SO-\d/);
  });
});

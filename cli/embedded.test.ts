import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig, silentLogger } from '../common';
import { loadModelFile, DEMO_MODEL_PATH } from '../events';
import { CollectorClient } from '../agents/shared';
import { waitForValue } from '../tracker/test/fixtures';
import { startEmbedded, embeddedToken } from './embedded';

const model = loadModelFile(DEMO_MODEL_PATH);

function configFor(dataDir: string) {
  return loadConfig({ env: {}, overrides: { embedded: { dataDir }, collector: { port: 0 }, tracker: { port: 0 } } });
}

const event = (orderId: string, state: string, at: string) => ({
  schema_version: 1 as const,
  event_id: randomUUID(),
  order_id: orderId,
  source: model.state(state)!.system,
  state,
  occurred_at: at,
});

describe('embedded mode (orderscope up)', () => {
  it('creates a private token once and keeps it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orderscope-up-'));
    const first = embeddedToken(dir);
    expect(first.created).toBe(true);
    expect(first.value).toMatch(/^osk_[A-Za-z0-9_-]{32}$/);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(embeddedToken(dir)).toEqual({ ...first, created: false });
  });

  it('takes events through the collector, shows them in the API, and keeps them across a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'orderscope-up-'));
    let up = await startEmbedded({ config: configFor(dataDir), model, logger: silentLogger() });
    try {
      const client = new CollectorClient({ url: up.collectorUrl, token: up.token.value });
      // Embedded mode runs on the real clock, so the events' times come from it (a fixed date would be
      // "in the future" on a machine whose clock is behind it).
      const placedAt = Date.now() - 60_000;
      const at = (ms: number) => new Date(ms).toISOString();
      const result = await client.post([event('UP-1', 'placed', at(placedAt)), event('UP-1', 'quote_requested', at(placedAt + 4000))]);
      expect(result).toEqual({ accepted: 2, rejected: [] });
      // The 202 means stored on disk (the bus's spool); the tracker applies the events right after.
      const order = await waitForValue('UP-1 in quote_requested', async () => {
        const response = await fetch(`${up.trackerUrl}/v1/orders/UP-1`, { headers: { authorization: `Bearer ${up.token.value}` } });
        const body = (await response.json()) as { state?: string; stays: { state: string; duration_seconds: number }[] };
        return body.state === 'quote_requested' ? body : undefined;
      });
      expect(order.stays.map((s: { state: string; duration_seconds: number }) => [s.state, s.duration_seconds])).toEqual([
        ['placed', 4],
        ['quote_requested', expect.any(Number)],
      ]);
      expect((await fetch(`${up.trackerUrl}/v1/orders/UP-1`)).status).toBe(401);
    } finally {
      await up.close();
    }

    up = await startEmbedded({ config: configFor(dataDir), model, logger: silentLogger() });
    try {
      expect(up.token.created).toBe(false);
      const response = await fetch(`${up.trackerUrl}/v1/orders?limit=10`, { headers: { authorization: `Bearer ${up.token.value}` } });
      const body = (await response.json()) as { orders: { order_id: string }[] };
      expect(body.orders.map((o: { order_id: string }) => o.order_id)).toEqual(['UP-1']);
    } finally {
      await up.close();
    }
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createLogger, loadConfig } from '../common';
import { loadModelFile, DEMO_MODEL_PATH } from '../events';
import { startEmbedded } from './embedded';
import { waitForValue } from '../tracker/test/fixtures';

const model = loadModelFile(DEMO_MODEL_PATH);

describe('the logs of embedded mode', () => {
  it('never carry the API token, whatever the requests that carried it', async () => {
    const lines: string[] = [];
    const logger = createLogger('orderscope', 'trace', { destination: { write: (line: string) => void lines.push(line) } });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'orderscope-logs-'));
    const config = loadConfig({ env: {}, overrides: { embedded: { dataDir }, collector: { port: 0 }, tracker: { port: 0 } } });
    const up = await startEmbedded({ config, model, logger });
    const token = up.token.value;
    try {
      const bearer = { authorization: `Bearer ${token}` };
      // Accepted events and a rejected one, with the token; the accepted one is applied right after.
      const ingested = fetch(`${up.collectorUrl}/v1/events`, {
          method: 'POST',
          headers: { ...bearer, 'content-type': 'application/json' },
          body: JSON.stringify([
            { schema_version: 1, event_id: randomUUID(), order_id: 'LOG-1', source: model.state('placed')!.system, state: 'placed', occurred_at: new Date(Date.now() - 1000).toISOString() },
            { schema_version: 1, event_id: 'not-a-uuid', order_id: 'LOG-2', source: 'nobody', state: 'nowhere', occurred_at: 'yesterday' },
          ]),
        });
      expect((await ingested).status).toBe(202);
      await waitForValue('LOG-1 applied', async () => ((await fetch(`${up.trackerUrl}/v1/orders/LOG-1`, { headers: bearer })).ok ? true : undefined));
      const sent = [
        // A body that is not JSON, with the token.
        fetch(`${up.collectorUrl}/v1/events`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{' }),
        // The token where it does not belong: in a URL, a cookie, a cross-site sign-in.
        fetch(`${up.trackerUrl}/?token=${token}`),
        fetch(`${up.trackerUrl}/v1/orders/LOG-1?token=${token}`, { headers: { cookie: `orderscope_token=${token}` } }),
        fetch(`${up.trackerUrl}/login`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` }),
        fetch(`${up.trackerUrl}/v1/dead-letters/1/retry`, { method: 'POST', headers: bearer }),
        fetch(`${up.trackerUrl}/v1/reports/latency?from=${token}`, { headers: bearer }),
      ];
      const statuses = await Promise.all(sent.map(async (p) => (await p).status));
      expect(statuses).toEqual([400, 200, 200, 403, 404, 400]);
    } finally {
      await up.close();
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes(token))).toEqual([]);
  });
});

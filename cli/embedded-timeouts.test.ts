import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, silentLogger, sendAndStall } from '../common';
import { loadModelFile, DEMO_MODEL_PATH } from '../events';
import { startEmbedded } from './embedded';

describe('the servers of embedded mode', () => {
  it('take their request timeouts from the http section of the config, the collector and the tracker alike', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'orderscope-timeouts-'));
    const env = { ORDERSCOPE_HTTP_HEADERS_TIMEOUT_MS: '300', ORDERSCOPE_HTTP_REQUEST_TIMEOUT_MS: '600' };
    const config = loadConfig({ env, overrides: { embedded: { dataDir }, collector: { port: 0 }, tracker: { port: 0 } } });
    const up = await startEmbedded({ config, model: loadModelFile(DEMO_MODEL_PATH), logger: silentLogger() });
    try {
      const stalled = await Promise.all([
        sendAndStall(up.collectorUrl, 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthor'),
        sendAndStall(up.trackerUrl, 'GET /v1/orders HTTP/1.1\r\nHost: x\r\n'),
      ]);
      expect(stalled).toEqual(['HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n', 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n']);
    } finally {
      await up.close();
    }
  });
});

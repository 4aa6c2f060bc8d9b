import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { ensurePrometheusTools } from '../alerts/test/prometheus-tools';
import { KafkaSource, LagMonitor } from '../bus';
import { collectProcessMetrics, loadConfig, silentLogger, listen } from '../common';
import { DEMO_MODEL_PATH, loadModelFile } from '../events';
import { createTracker, migrate } from '../tracker';
import { startEmbedded } from './embedded';
import { openTestPglite } from '../tracker/test/pglite-template';

/*
 * What Prometheus scrapes from each orderscope process passes `promtool check metrics`: the services'
 * catalogues, and the process and Node.js metrics, without prom-client's three misnamed
 * nodejs_active_*_total gauges (see common/process-metrics.ts).
 */

const model = loadModelFile(DEMO_MODEL_PATH);

beforeAll(() => ensurePrometheusTools());

/** promtool's findings on a scrape; empty when it has none. */
function promtoolFindings(exposition: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (run.error) throw run.error;
  return `${run.stdout}${run.stderr}`.trim() || (run.status === 0 ? '' : `exit ${run.status}`);
}

describe('the /metrics of every orderscope process', () => {
  it('orderscope tracker: tracker, Kafka bus and process metrics, as the command registers them', async () => {
    const config = loadConfig({ env: {} });
    const registry = new Registry();
    collectProcessMetrics(registry);
    // Constructing the bus registers its metrics; nothing connects until start().
    const source = new KafkaSource({ kafka: config.kafka, registry });
    new LagMonitor({ kafka: config.kafka, registry });
    const store = await openTestPglite();
    await migrate(store);
    const tracker = await createTracker({ config, model, source, store, registry });
    const server = await listen(tracker.app, '127.0.0.1', 0);
    try {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toContain('# TYPE orderscope_orders_lost_total counter');
      expect(text).toContain('# TYPE orderscope_bus_consumer_lag_messages gauge');
      expect(text).toMatch(/^nodejs_active_handles\{/m);
      expect(text).not.toContain('nodejs_active_handles_total');
      expect(promtoolFindings(text)).toBe('');
    } finally {
      await server.close();
      await tracker.close();
      await store.close();
    }
  });

  it('orderscope up: collector and tracker in one process, one registry', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'orderscope-metrics-'));
    const config = loadConfig({ env: {}, overrides: { embedded: { dataDir }, collector: { port: 0 }, tracker: { port: 0 } } });
    const up = await startEmbedded({ config, model, logger: silentLogger() });
    try {
      for (const url of [up.trackerUrl, up.collectorUrl]) {
        const text = await (await fetch(`${url}/metrics`)).text();
        expect(text).toContain('process_cpu_seconds_total');
        expect(promtoolFindings(text)).toBe('');
      }
    } finally {
      await up.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

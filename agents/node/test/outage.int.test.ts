/**
 * Losing nothing when the collector is down: a host process (a child) tracks orders while a real
 * collector is stopped and started again on the same port, or is itself killed with events in its
 * spool. Every event must arrive, exactly the event_ids that trackOrder returned (transport
 * duplicates are allowed; the event_id makes them harmless downstream).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../../../common';
import { forkTs, RecordingCollector, TEST_TOKEN, waitFor, type TsChild } from '../../test/harness';

const HOST_APP = path.join(__dirname, 'fixtures/host-app.ts');

function startHost(collector: RecordingCollector, spoolDir: string): TsChild {
  return forkTs(HOST_APP, [], { COLLECTOR_URL: collector.url, TOKEN: TEST_TOKEN, SPOOL_DIR: spoolDir });
}

async function track(host: TsChild, prefix: string, count: number): Promise<string[]> {
  const { ids } = await host.ask<{ ids: (string | undefined)[] }>({ type: 'track', prefix, count }, 'tracked');
  expect(ids.every((id) => typeof id === 'string')).toBe(true);
  return ids as string[];
}

/** A counter's value from the host's metrics text. */
async function hostMetric(host: TsChild, line: string): Promise<number> {
  const { metrics } = await host.ask<{ metrics: string }>({ type: 'stats' }, 'stats');
  const found = metrics.split('\n').find((l) => l.startsWith(`${line} `));
  return Number(found?.split(' ')[1] ?? NaN);
}

describe('the SDK when the collector is down', () => {
  let collector: RecordingCollector;
  let spoolDir: string;
  const hosts: TsChild[] = [];

  beforeEach(async () => {
    collector = await RecordingCollector.start();
    spoolDir = mkdtempSync(path.join(os.tmpdir(), 'orderscope-outage-'));
  });
  afterEach(async () => {
    for (const host of hosts.splice(0)) await host.kill();
    await collector.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('delivers all 5,000 events of a run with a 30 s collector outage in its middle, each event_id once', async () => {
    const host = startHost(collector, spoolDir);
    hosts.push(host);
    await host.next('ready');
    const tracked: string[] = [];

    for (let step = 0; step < 5; step++) {
      tracked.push(...(await track(host, `before-${step}`, 500)));
      await sleep(100);
    }
    await collector.stop();
    const downSince = Date.now();
    for (let step = 0; step < 10; step++) {
      tracked.push(...(await track(host, `during-${step}`, 250)));
      await sleep(2500);
    }
    await sleep(Math.max(0, 30_000 - (Date.now() - downSince)));
    expect(await hostMetric(host, 'orderscope_agent_events_spooled_total')).toBeGreaterThanOrEqual(2500);
    await collector.restart();

    await waitFor('all 5,000 events at the collector', () => collector.distinct >= 5000, 60_000, () => `${collector.distinct} arrived`);
    expect(tracked).toHaveLength(5000);
    expect(new Set(collector.deliveries.keys())).toEqual(new Set(tracked));
    expect(await hostMetric(host, 'orderscope_agent_dropped_total{reason="spool_full"}')).toBe(0);
    await waitFor('the spool to be empty', async () => (await hostMetric(host, 'orderscope_agent_spool_bytes')) === 0, 10_000);
    await host.ask({ type: 'shutdown' }, 'stopped');
  }, 120_000);

  it('delivers what a host killed with SIGKILL left in its spool, once the host is restarted', async () => {
    await collector.stop();
    const first = startHost(collector, spoolDir);
    hosts.push(first);
    await first.next('ready');
    const tracked = await track(first, 'killed', 1000);
    await waitFor('1000 events in the spool', async () => (await hostMetric(first, 'orderscope_agent_events_spooled_total')) === 1000, 20_000);
    await first.kill('SIGKILL');
    expect(readdirSync(spoolDir)).toContain('spool.lock.sock'); // left behind by the killed process, and no obstacle

    await collector.restart();
    const second = startHost(collector, spoolDir);
    hosts.push(second);
    await second.next('ready');
    await waitFor('the 1000 spooled events at the collector', () => collector.distinct >= 1000, 30_000, () => `${collector.distinct} arrived`);
    expect(new Set(collector.deliveries.keys())).toEqual(new Set(tracked));
    await second.ask({ type: 'shutdown' }, 'stopped');
    expect(readdirSync(spoolDir)).toEqual([]);
  }, 60_000);
});

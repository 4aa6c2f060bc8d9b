import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../common';
import { DEFAULT_MODEL_PATH, DEMO_MODEL_PATH, loadModelFile } from '../events';
import type { Embedded } from './embedded';
import { writeEmbeddedMonitoring } from './embedded-monitoring';

/**
 * What `orderscope up` writes at start for the model it runs: rules, Alertmanager configuration and
 * dashboards that link to its own tracker. (The platform itself is not started here: the function
 * reads only its tracker's URL, and closes it when the files cannot be written.)
 */

const root = mkdtempSync(path.join(tmpdir(), 'orderscope-up-generated-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A running platform as writeEmbeddedMonitoring sees it, counting its closes. */
function platform(trackerUrl = 'http://127.0.0.1:17401') {
  const closed = { count: 0 };
  const embedded: Embedded = {
    collectorUrl: 'http://127.0.0.1:17400',
    trackerUrl,
    token: { value: 'osk_test', file: path.join(root, 'token'), created: false },
    close: async () => void closed.count++,
  };
  return { embedded, closed };
}

interface Rules {
  groups: { rules: { alert?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}
const alertsIn = (dir: string) => (parse(readFileSync(path.join(dir, 'alerts/orderscope.rules.yml'), 'utf8')) as Rules).groups.flatMap((g) => g.rules).filter((r) => r.alert);

describe('the monitoring files orderscope up writes', () => {
  it('go to <data dir>/generated, for the demo model on its clock of seconds, linking to this tracker, scraped as one job', async () => {
    const dataDir = path.join(root, 'demo');
    const { embedded } = platform();
    const dir = await writeEmbeddedMonitoring(embedded, { model: loadModelFile(DEMO_MODEL_PATH), modelFile: DEMO_MODEL_PATH, dataDir });
    expect(dir).toBe(path.join(dataDir, 'generated'));
    expect(readdirSync(dir!).sort()).toEqual(['alerts', 'dashboards']);
    expect(readdirSync(path.join(dir!, 'dashboards')).sort()).toEqual(['lost-orders.json', 'overview.json', 'pipeline-health.json', 'time-in-state.json']);
    const lost = alertsIn(dir!).find((r) => r.alert === 'OrderLost' && r.labels!.state === 'quote_requested')!;
    expect(lost.expr).toBe('sum by (state, reason) (increase(orderscope_orders_lost_total{job=~"orderscope",state="quote_requested"}[10s])) > 0');
    expect(lost.labels!.pipeline).toBe('demo');
    expect(lost.annotations!.orders_url).toBe('http://127.0.0.1:17401/lost?state=quote_requested');
    expect((parse(readFileSync(path.join(dir!, 'alerts/orderscope.rules.test.yml'), 'utf8')) as { evaluation_interval: string }).evaluation_interval).toBe('1s');
  });

  it('keep the default windows for another model, and go where --generated says', async () => {
    const dir = path.join(root, 'elsewhere');
    const { embedded } = platform('http://127.0.0.1:27401');
    expect(await writeEmbeddedMonitoring(embedded, { model: loadModelFile(), modelFile: DEFAULT_MODEL_PATH, dataDir: path.join(root, 'unused'), dir })).toBe(dir);
    const lost = alertsIn(dir).find((r) => r.alert === 'OrderLost' && r.labels!.state === 'pricing')!;
    expect(lost.expr).toBe('sum by (state, reason) (increase(orderscope_orders_lost_total{job=~"orderscope",state="pricing"}[10m])) > 0');
    expect(lost.annotations!.orders_url).toBe('http://127.0.0.1:27401/lost?state=pricing');
    expect(existsSync(path.join(root, 'unused'))).toBe(false);
  });

  it('are not written with --no-generated', async () => {
    const dataDir = path.join(root, 'none');
    expect(await writeEmbeddedMonitoring(platform().embedded, { model: loadModelFile(), modelFile: DEFAULT_MODEL_PATH, dataDir, dir: false })).toBeUndefined();
    expect(existsSync(dataDir)).toBe(false);
  });

  it('stop the start when they cannot be written: the platform is closed again, and the error says what to pass', async () => {
    const blocker = path.join(root, 'a-file');
    writeFileSync(blocker, '');
    const { embedded, closed } = platform();
    const err = await writeEmbeddedMonitoring(embedded, { model: loadModelFile(), modelFile: DEFAULT_MODEL_PATH, dataDir: root, dir: blocker }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `cannot write ${path.join(blocker, 'alerts/orderscope.rules.yml')} (ENOTDIR: not a directory): pass --generated DIR to write the alert rules and dashboards elsewhere, or --no-generated`,
    );
    expect(closed.count).toBe(1);
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../common';
import { DEMO_MODEL_PATH } from '../events';
import { ensurePrometheusTools, runTool } from '../alerts/test/prometheus-tools';
import { generatedFiles } from './generated-files';
import { runCli } from './test/run-cli';

/**
 * `orderscope generate`: the committed files without options; with a model and URLs, the rules,
 * Alertmanager configuration and dashboards of a deployment, into --out.
 */

const root = mkdtempSync(path.join(tmpdir(), 'orderscope-generate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `run` fails with a ConfigError (printed by main.ts as one sentence, exit 1) saying exactly `message`. */
async function expectConfigError(run: Promise<unknown>, message: string): Promise<void> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toBe(message);
}

interface Rules {
  groups: { rules: { alert?: string; annotations?: Record<string, string>; labels?: Record<string, string> }[] }[];
}

describe('orderscope generate for a deployment', () => {
  const out = path.join(root, 'monitoring');
  let printed: string;
  beforeAll(async () => {
    printed = (
      await runCli(
        'generate',
        ...['--model', DEMO_MODEL_PATH, '--tracker-url', 'https://orders.example.com', '--runbook-url', 'https://wiki.example.com/orderscope/runbook'],
        ...['--page-webhook', 'https://pager.example.com/hook', '--ticket-webhook', 'https://tickets.example.com/hook', '--out', out],
      )
    ).out;
  });

  it('writes the rules with their tests, the Alertmanager configuration and the four dashboards, and says where', () => {
    const written = ['alerts/orderscope.rules.yml', 'alerts/orderscope.rules.test.yml', 'alerts/alertmanager.yml', 'dashboards/overview.json', 'dashboards/time-in-state.json', 'dashboards/lost-orders.json', 'dashboards/pipeline-health.json'];
    expect(printed).toBe(written.map((f) => `wrote ${path.join(out, f)}\n`).join(''));
    expect(readdirSync(path.join(out, 'alerts')).sort()).toEqual(['alertmanager.yml', 'orderscope.rules.test.yml', 'orderscope.rules.yml']);
  });

  it("generates for the model given: its states, and its name as the pipeline label", () => {
    const rules = parse(readFileSync(path.join(out, 'alerts/orderscope.rules.yml'), 'utf8')) as Rules;
    const lost = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert === 'OrderLost');
    expect(lost.map((r) => r.labels!.state)).toEqual(['placed', 'quote_requested', 'pricing', 'quoted', 'assigned', 'confirmed', 'in_production', 'produced']);
    expect(new Set(lost.map((r) => r.labels!.pipeline))).toEqual(new Set(['demo']));
  });

  it("links every alert to the tracker's pages and the runbook given, and pages the receivers given", () => {
    const alerts = (parse(readFileSync(path.join(out, 'alerts/orderscope.rules.yml'), 'utf8')) as Rules).groups.flatMap((g) => g.rules).filter((r) => r.alert);
    const lost = alerts.find((r) => r.alert === 'OrderLost' && r.labels!.state === 'quote_requested')!;
    expect(lost.annotations!.orders_url).toBe('https://orders.example.com/lost?state=quote_requested');
    expect(lost.annotations!.runbook_url).toBe('https://wiki.example.com/orderscope/runbook#orderlost');
    expect(alerts.find((r) => r.alert === 'OrdersStuck' && r.labels!.state === 'pricing')!.annotations!.orders_url).toBe('https://orders.example.com/stuck?state=pricing');
    for (const a of alerts) expect(a.annotations!.runbook_url).toBe(`https://wiki.example.com/orderscope/runbook#${a.alert!.toLowerCase()}`);
    const am = parse(readFileSync(path.join(out, 'alerts/alertmanager.yml'), 'utf8')) as { receivers: { name: string; webhook_configs: { url: string }[] }[] };
    expect(am.receivers.map((r) => [r.name, r.webhook_configs.map((w) => w.url)])).toEqual([
      ['orderscope-page', ['https://pager.example.com/hook']],
      ['orderscope-ticket', ['https://tickets.example.com/hook']],
    ]);
    const dashboard = JSON.parse(readFileSync(path.join(out, 'dashboards/lost-orders.json'), 'utf8')) as { templating: { list: { name: string; current?: { value: string } }[] } };
    expect(dashboard.templating.list.find((v) => v.name === 'tracker_url')!.current!.value).toBe('https://orders.example.com');
  });

  it('writes files that pass promtool and amtool as they are', async () => {
    ensurePrometheusTools();
    const dir = path.join(out, 'alerts');
    const runs = await Promise.all([
      runTool('promtool', ['check', 'rules', '--lint=all', '--lint-fatal', 'orderscope.rules.yml'], dir),
      runTool('promtool', ['test', 'rules', 'orderscope.rules.test.yml'], dir),
      runTool('amtool', ['check-config', 'alertmanager.yml'], dir),
    ]);
    for (const run of runs) expect([run.status, run.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  }, 5 * 60_000);
});

describe('orderscope generate', () => {
  it('without options writes the committed files, as they are in the repository', async () => {
    const out = path.join(root, 'repository');
    const { out: printed } = await runCli('generate', '--out', out);
    const files = await generatedFiles();
    expect(printed).toBe(files.map((f) => `wrote ${f.path}\n`).join(''));
    for (const f of files) expect([f.path, readFileSync(path.join(out, f.path), 'utf8')]).toEqual([f.path, f.content]);
  });

  it.each([
    ['an option without --out', ['--tracker-url', 'https://orders.example.com'], 'give --out DIR: the directory to write the rules and dashboards of your model into (without --model and the URL options, generate writes the repository’s own files)'],
    ['a tracker URL without a scheme', ['--tracker-url', 'orders.example.com', '--out', root], '--tracker-url: "orders.example.com" is not an absolute URL (write it with http:// or https://, e.g. https://orderscope.example.com)'],
    ['a webhook that is not http(s)', ['--page-webhook', 'mailto:oncall@example.com', '--out', root], '--page-webhook: "mailto:oncall@example.com" is not an http or https URL'],
    ['a runbook URL with an anchor', ['--runbook-url', 'https://wiki.example.com/runbook#alerts', '--out', root], '--runbook-url: "https://wiki.example.com/runbook#alerts" must not have a #fragment: each alert adds the anchor of its own section'],
  ])('refuses %s, saying what to write', async (_case, args, message) => {
    await expectConfigError(runCli('generate', ...args), message);
  });

  it('names the line of a model that is not valid, and writes nothing', async () => {
    const model = path.join(root, 'broken.yaml');
    writeFileSync(model, 'name: broken\nstates:\n  - { name: placed, system: shop, expect_within: 5x }\n');
    const out = path.join(root, 'not-written');
    await expect(runCli('generate', '--model', model, '--out', out)).rejects.toThrow(/broken\.yaml:3: states\[0\]\.expect_within: "5x" is not a duration/);
    expect(() => readdirSync(out)).toThrow(/ENOENT/);
  });

  it('names a file it cannot write', async () => {
    const blocker = path.join(root, 'a-file');
    writeFileSync(blocker, '');
    await expectConfigError(
      runCli('generate', '--tracker-url', 'https://orders.example.com', '--out', blocker),
      `cannot write ${path.join(blocker, 'alerts/orderscope.rules.yml')} (ENOTDIR: not a directory): choose a directory you can write to`,
    );
  });
});

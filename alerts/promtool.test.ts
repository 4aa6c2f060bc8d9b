import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_MODEL_PATH, loadModelFile } from '../events';
import { ALERT_FILES, alertFiles, DEMO_ALERT_OPTIONS } from '.';
import { ensurePrometheusTools, runTool, type ToolRun } from './test/prometheus-tools';

/*
 * The generated files against the real tools of Prometheus 2.42 and Alertmanager 0.25 (Debian's):
 * the rules load and pass promtool's lint, every alert's promtool tests pass, and Alertmanager
 * accepts its configuration. For the committed default model, and for the demo model with the short
 * options the e2e tests use. The tools run in parallel, once, in beforeAll.
 */

const variants = {
  default: { model: loadModelFile(), options: {} },
  demo: { model: loadModelFile(DEMO_MODEL_PATH), options: DEMO_ALERT_OPTIONS },
};

type Variant = keyof typeof variants;
type Check = 'checkRules' | 'testRules' | 'checkConfig';
const results = {} as Record<Variant, Record<Check, ToolRun>>;
let dir: string;

beforeAll(async () => {
  ensurePrometheusTools();
  dir = mkdtempSync(path.join(os.tmpdir(), 'orderscope-alerts-'));
  await Promise.all(
    (Object.keys(variants) as Variant[]).map(async (name) => {
      const out = path.join(dir, name);
      const { model, options } = variants[name];
      mkdirSync(out);
      for (const f of alertFiles(model, options)) writeFileSync(path.join(out, f.name), f.content);
      const [checkRules, testRules, checkConfig] = await Promise.all([
        runTool('promtool', ['check', 'rules', '--lint=all', '--lint-fatal', ALERT_FILES.rules], out),
        runTool('promtool', ['test', 'rules', ALERT_FILES.tests], out),
        runTool('amtool', ['check-config', ALERT_FILES.alertmanager], out),
      ]);
      results[name] = { checkRules, testRules, checkConfig };
    }),
  );
}, 10 * 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Fails with the tool's own output, which says which rule, test group or alert is wrong. */
function expectSuccess(run: ToolRun): void {
  if (run.status !== 0) throw new Error(`exit ${run.status}:\n${run.output}`);
}

describe.each(Object.keys(variants) as Variant[])('the generated alert files for the %s model', (name) => {
  it('load in Prometheus 2.42 without a lint finding (promtool check rules --lint=all)', () => {
    expectSuccess(results[name].checkRules);
    expect(results[name].checkRules.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass their promtool unit tests: every alert fires when it should, with its labels and annotations, and stays silent otherwise', () => {
    expectSuccess(results[name].testRules);
    expect(results[name].testRules.output).toContain('SUCCESS');
  });

  it('give Alertmanager 0.25 a valid configuration (amtool check-config)', () => {
    expectSuccess(results[name].checkConfig);
    expect(results[name].checkConfig.output).toMatch(/2 inhibit rules[\s\S]*2 receivers/);
  });
});

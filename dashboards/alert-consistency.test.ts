import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { alertFiles, ALERT_FILES, DEFAULT_ALERT_OPTIONS, metricNamesIn } from '../alerts';
import { PROJECT_ROOT, listen, type RunningServer } from '../common';
import { loadModelFile } from '../events';
import { apiTestConfig, orderEvent, READ_TOKEN, startEmbedded, type EmbeddedTracker } from '../tracker/test/fixtures';
import { parseDashboard } from './preview';
import { dashboardFiles } from '.';

/*
 * The dashboards and the alerts as on-call meets them together: a page links to its runbook section
 * and to the tracker's list of the orders behind it, and the SRE who opens Grafana next finds the
 * page's metric on a panel. Checked on the generated files of the default model, against the runbook
 * itself and a running tracker.
 */
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  annotations?: Record<string, string>;
}

const model = loadModelFile();
const rules = alertFiles(model).find((f) => f.name === ALERT_FILES.rules)!;
const all = (parse(rules.content) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const alerts = all.filter((r): r is Rule & { alert: string } => r.alert !== undefined);
const recorded = new Map(all.filter((r) => r.record !== undefined).map((r) => [r.record!, r.expr]));
const panelMetrics = new Set(dashboardFiles(model).flatMap((f) => parseDashboard(f.content).panels.flatMap((p) => p.queries.flatMap((q) => metricNamesIn(q.expr)))));

/** The metrics an expression reads, through recording rules down to what the services export. */
function sourceMetrics(expr: string, seen = new Set<string>()): string[] {
  return metricNamesIn(expr).flatMap((name) => {
    const rule = recorded.get(name);
    if (rule === undefined || seen.has(name)) return [name];
    seen.add(name);
    return sourceMetrics(rule, seen);
  });
}

/** GitHub's anchors of a markdown file's headings: lower case, punctuation dropped, spaces to dashes. */
function anchorsOf(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

describe('every alert against the dashboards and the runbook', () => {
  let t: EmbeddedTracker;
  let server: RunningServer;

  beforeAll(async () => {
    t = await startEmbedded({ config: apiTestConfig(), now: () => Date.UTC(2026, 10, 26, 12, 0, 0) });
    await t.bus.publish([orderEvent('o-1', 'placed', '2026-11-26T11:00:00Z')]);
    server = await listen(t.tracker.app, '127.0.0.1', 0);
  });

  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('has a panel that shows a metric of each alert expression', () => {
    const missing = alerts.filter((a) => !sourceMetrics(a.expr).some((m) => panelMetrics.has(m))).map((a) => `${a.alert}: ${sourceMetrics(a.expr).join(', ')}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('links each alert to a section of the runbook that exists', () => {
    const anchors = anchorsOf(readFileSync(path.join(PROJECT_ROOT, 'alerts', 'README.md'), 'utf8'));
    const links = [...new Set(alerts.map((a) => a.annotations?.runbook_url ?? `(none for ${a.alert})`))];
    const broken = links.filter((url) => !url.startsWith(`${DEFAULT_ALERT_OPTIONS.runbookUrl}#`) || !anchors.has(url.slice(url.indexOf('#') + 1)));
    expect([links.length > 0, broken]).toEqual([true, []]);
  });

  it("links each alert's orders (and dead letters) to a tracker page or API call that answers", async () => {
    const urls = [...new Set(alerts.flatMap((a) => Object.entries(a.annotations ?? {}).filter(([k]) => k.endsWith('_url') && k !== 'runbook_url').map(([, v]) => v)))];
    expect(urls.length).toBeGreaterThan(0);
    const answers: [string, number][] = [];
    for (const url of urls) {
      expect(url.startsWith(`${DEFAULT_ALERT_OPTIONS.trackerUrl}/`)).toBe(true);
      // A label the alert fills in at firing: a state of the model, a dead-letter reason.
      const path = url.slice(DEFAULT_ALERT_OPTIONS.trackerUrl.length).replace('{{ $labels.state }}', 'placed').replace('{{ $labels.reason }}', 'invalid_event');
      const res = await fetch(`${server.url}${path}`, { headers: path.startsWith('/v1/') ? { authorization: `Bearer ${READ_TOKEN}` } : { cookie: `orderscope_token=${READ_TOKEN}` } });
      answers.push([path, res.status]);
    }
    expect(answers.filter(([, status]) => status !== 200)).toEqual([]);
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderDashboardPreview, renderPreviewIndex } from './render-preview';
import { runDashboard, type DashboardRun, type PanelWindow } from './run-panels';

/**
 * Runs each dashboard (name and JSON) on Prometheus over `window` and writes its preview page to
 * `<out>/<name>.html`, and `<out>/index.html` linking them. Returns the runs, for a summary.
 */
export async function writeDashboardPreviews(
  prometheus: string,
  dashboards: readonly { name: string; content: string }[],
  window: PanelWindow,
  out: string,
  generatedAt: string,
): Promise<{ file: string; run: DashboardRun }[]> {
  mkdirSync(out, { recursive: true });
  const meta = { prometheus, generatedAt };
  const written: { file: string; run: DashboardRun }[] = [];
  for (const d of dashboards) {
    const run = await runDashboard(prometheus, d.content, window);
    const file = `${path.basename(d.name, '.json')}.html`;
    writeFileSync(path.join(out, file), renderDashboardPreview(run, meta));
    written.push({ file, run });
  }
  writeFileSync(path.join(out, 'index.html'), renderPreviewIndex(written, meta));
  return written;
}

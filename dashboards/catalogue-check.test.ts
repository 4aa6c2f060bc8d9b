import { describeUnknownMetrics, serviceMetricCatalogue, unknownMetrics } from '../alerts';
import { loadModelFile } from '../events';
import { dashboardFiles } from '.';

interface Panel {
  title: string;
  targets?: { expr: string }[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}

describe('the dashboards against the metric catalogue', () => {
  it("read only metrics a service declares, in panels and in the variables' queries", () => {
    const model = loadModelFile();
    const catalogue = serviceMetricCatalogue();
    const uses = dashboardFiles(model).flatMap((f) => {
      const d = JSON.parse(f.content) as Dashboard;
      return [
        ...d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${d.uid}: ${p.title}`, expr: t.expr }))),
        ...d.templating.list.filter((v) => v.type === 'query').map((v) => ({ where: `${d.uid}: variable ${v.name}`, expr: String(v.query) })),
      ];
    });
    const unknown = unknownMetrics(uses, catalogue);
    if (unknown.length > 0) throw new Error(describeUnknownMetrics(unknown));
  });
});

import path from 'node:path';
import { parse } from 'yaml';
import type { OutputFile } from '../../alerts';
import type { KubeObject, Models } from './models';
import { JOB_LABEL, PART_OF, PORT_NAME, selectorOf, type Workload } from './workloads';

/**
 * The Prometheus Operator's resources and Grafana's dashboards: a ServiceMonitor per workload (its
 * job from the Service's `orderscope/job` label, the jobs the generated rules query), one
 * PrometheusRule holding exactly the generated alert rules, and one ConfigMap per generated
 * dashboard, labelled for Grafana's dashboard sidecar.
 */

/** The label Grafana's dashboard sidecar (kiwigrid k8s-sidecar, as the Grafana Helm chart runs it) looks for. */
export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;
/** The Grafana folder the sidecar puts the dashboards in (the chart's `folderAnnotation`). */
export const DASHBOARD_FOLDER = { grafana_folder: 'orderscope' } as const;
/** How often Prometheus scrapes every orderscope target: the interval the generated rules assume. */
const SCRAPE_INTERVAL = '15s';

export function serviceMonitor(m: Models, w: Workload): KubeObject {
  return new m.ServiceMonitor({
    metadata: { name: w.name, labels: { ...PART_OF } },
    spec: {
      jobLabel: JOB_LABEL,
      selector: { matchLabels: selectorOf(w) },
      endpoints: [{ port: PORT_NAME, path: '/metrics', interval: SCRAPE_INTERVAL }],
    },
  }).toJSON() as KubeObject;
}

/** The generated alert rules (the content of alerts/generated/orderscope.rules.yml) as a PrometheusRule. */
export function prometheusRule(m: Models, rules: string): KubeObject {
  const { groups } = parse(rules) as { groups: unknown };
  return new m.PrometheusRule({
    metadata: { name: 'orderscope', labels: { ...PART_OF } },
    spec: { groups: groups as never },
  }).toJSON() as KubeObject;
}

/** One ConfigMap per generated dashboard (dashboards/generated/*.json), the file under its own name. */
export function dashboardConfigMaps(m: Models, dashboards: readonly OutputFile[]): KubeObject[] {
  return dashboards.map(
    (f) =>
      new m.ConfigMap({
        metadata: { name: `orderscope-dashboard-${path.basename(f.name, '.json')}`, labels: { ...PART_OF, ...DASHBOARD_LABEL }, annotations: { ...DASHBOARD_FOLDER } },
        data: { [f.name]: f.content },
      }).toJSON() as KubeObject,
  );
}

import { ALERT_FILES, alertFiles } from '../alerts';
import { dashboardFiles } from '../dashboards';
import { kubernetesFiles } from '../deploy/kubernetes';
import { loadModelFile, orderEventJsonSchema } from '../events';

/** A file that `orderscope generate` writes, relative to the repository root. */
export interface GeneratedFile {
  path: string;
  content: string;
}

/**
 * Every generated file, computed in memory: used by `orderscope generate` and by the freshness test.
 * Alert rules and dashboards are generated for the default process model (config/order-model.yaml);
 * the Kubernetes manifests carry those same rules and dashboards. Asynchronous because the
 * Kubernetes models are ES modules, loaded with `import()`.
 */
export async function generatedFiles(): Promise<GeneratedFile[]> {
  const model = loadModelFile();
  const alerts = alertFiles(model);
  const dashboards = dashboardFiles(model);
  const kubernetes = await kubernetesFiles({ rules: alerts.find((f) => f.name === ALERT_FILES.rules)!.content, dashboards });
  return [
    { path: 'events/order-event.schema.json', content: `${JSON.stringify(orderEventJsonSchema(), null, 2)}\n` },
    ...alerts.map((f) => ({ path: `alerts/generated/${f.name}`, content: f.content })),
    ...dashboards.map((f) => ({ path: `dashboards/generated/${f.name}`, content: f.content })),
    ...kubernetes.map((f) => ({ path: f.name, content: f.content })),
  ];
}

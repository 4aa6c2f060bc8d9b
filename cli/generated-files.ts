import { alertFiles } from '../alerts';
import { dashboardFiles } from '../dashboards';
import { loadModelFile, orderEventJsonSchema } from '../events';

/** A file that `orderscope generate` writes, relative to the repository root. */
export interface GeneratedFile {
  path: string;
  content: string;
}

/**
 * Every generated file, computed in memory: used by `orderscope generate` and by the freshness test.
 * Alert rules and dashboards are generated for the default process model (config/order-model.yaml).
 */
export function generatedFiles(): GeneratedFile[] {
  const model = loadModelFile();
  return [
    { path: 'events/order-event.schema.json', content: `${JSON.stringify(orderEventJsonSchema(), null, 2)}\n` },
    ...alertFiles(model).map((f) => ({ path: `alerts/generated/${f.name}`, content: f.content })),
    ...dashboardFiles(model).map((f) => ({ path: `dashboards/generated/${f.name}`, content: f.content })),
  ];
}

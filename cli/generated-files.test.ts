import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../common';
import { generatedFiles, type GeneratedFile } from './generated-files';

describe('generated files', () => {
  let files: GeneratedFile[];
  beforeAll(async () => {
    files = await generatedFiles();
  });

  it('are the event schema, the alert rules with their tests and Alertmanager config, the four dashboards and the Kubernetes manifests', () => {
    expect(files.map((f) => f.path)).toEqual([
      'events/order-event.schema.json',
      'alerts/generated/orderscope.rules.yml',
      'alerts/generated/orderscope.rules.test.yml',
      'alerts/generated/alertmanager.yml',
      'dashboards/generated/overview.json',
      'dashboards/generated/time-in-state.json',
      'dashboards/generated/lost-orders.json',
      'dashboards/generated/pipeline-health.json',
      'deploy/kubernetes/base/environment.yaml',
      'deploy/kubernetes/base/collector.yaml',
      'deploy/kubernetes/base/tracker.yaml',
      'deploy/kubernetes/base/shop.yaml',
      'deploy/kubernetes/base/crm.yaml',
      'deploy/kubernetes/base/mes-api.yaml',
      'deploy/kubernetes/base/mes-worker.yaml',
      'deploy/kubernetes/base/prometheus-rule.yaml',
      'deploy/kubernetes/base/dashboards.yaml',
      'deploy/kubernetes/base/kustomization.yaml',
      'deploy/kubernetes/overlays/dev/namespace.yaml',
      'deploy/kubernetes/overlays/dev/small-requests.yaml',
      'deploy/kubernetes/overlays/dev/kustomization.yaml',
      'deploy/kubernetes/overlays/production/namespace.yaml',
      'deploy/kubernetes/overlays/production/autoscaling.yaml',
      'deploy/kubernetes/overlays/production/disruption-budgets.yaml',
      'deploy/kubernetes/overlays/production/replicas.yaml',
      'deploy/kubernetes/overlays/production/kustomization.yaml',
      'deploy/kubernetes/secrets.env.example',
    ]);
  });

  // Every stale committed copy is named by its path.
  it('match a fresh generation (run `orderscope generate`)', () => {
    const stale = files.filter((f) => readFileSync(path.join(PROJECT_ROOT, f.path), 'utf8') !== f.content).map((f) => f.path);
    expect(stale).toEqual([]);
  });
});

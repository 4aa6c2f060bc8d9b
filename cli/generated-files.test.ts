import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../common/paths';
import { generatedFiles } from './generated-files';

describe('generated files', () => {
  it('are the event schema, the alert rules with their tests and Alertmanager config, and the four dashboards', () => {
    expect(generatedFiles().map((f) => f.path)).toEqual([
      'events/order-event.schema.json',
      'alerts/generated/orderscope.rules.yml',
      'alerts/generated/orderscope.rules.test.yml',
      'alerts/generated/alertmanager.yml',
      'dashboards/generated/overview.json',
      'dashboards/generated/time-in-state.json',
      'dashboards/generated/lost-orders.json',
      'dashboards/generated/pipeline-health.json',
    ]);
  });

  it.each(generatedFiles().map((f) => [f.path, f.content]))('%s matches a fresh generation (run `orderscope generate`)', (file, content) => {
    expect(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')).toBe(content);
  });
});

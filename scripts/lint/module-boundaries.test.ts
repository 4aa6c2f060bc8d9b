import path from 'node:path';
import { PROJECT_ROOT } from '../../common';

/**
 * The module-boundary rule as `npm run lint` runs it: the project's ESLint config on code placed at
 * real paths of the tree (lintText with a filePath; nothing is written).
 */
async function problems(filePath: string, code: string): Promise<string[]> {
  const { ESLint } = await import('eslint');
  const eslint = new ESLint({ cwd: PROJECT_ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(PROJECT_ROOT, filePath) });
  return result!.messages.filter((m) => m.ruleId === 'orderscope/module-boundaries').map((m) => m.message);
}

describe('the module-boundary lint rule', () => {
  it('refuses an import of a file inside another module, and names the import to use', async () => {
    expect(await problems('cli/commands/example.ts', "import { listen } from '../../common/http';\nexport { listen };\n")).toEqual([
      "'../../common/http' reaches into the module common/ past its index.ts: import '../../common' and export what you need from common/index.ts",
    ]);
  });

  it('takes a module through its index, a submodule through its own index, and a leaf metric catalogue directly', async () => {
    const code = [
      "import { listen } from '../../common';",
      "import { applyBatch } from '../../tracker/apply';",
      "import { writeDashboardPreviews } from '../../dashboards/preview';",
      "import { TRACKER_METRICS } from '../../tracker/metric-names';",
      'export { listen, applyBatch, writeDashboardPreviews, TRACKER_METRICS };',
      '',
    ].join('\n');
    expect(await problems('cli/commands/example.ts', code)).toEqual([]);
  });

  it('refuses a file of a submodule past the submodule index', async () => {
    expect(await problems('cli/commands/example.ts', "import { applyBatch } from '../../tracker/apply/apply-batch';\nexport { applyBatch };\n")).toEqual([
      "'../../tracker/apply/apply-batch' reaches into the module tracker/apply/ past its index.ts: import '../../tracker/apply' and export what you need from tracker/apply/index.ts",
    ]);
  });

  it('lets a file import the files of its own module', async () => {
    expect(await problems('tracker/apply/example.ts', "import { planAppend } from './plan-order';\nexport { planAppend };\n")).toEqual([]);
  });

  it('lets tests import test helpers, and refuses them to production code', async () => {
    const code = "import { freePort } from '../../common/test/free-port';\nexport { freePort };\n";
    expect(await problems('cli/commands/example.test.ts', code)).toEqual([]);
    expect(await problems('cli/commands/example.ts', code)).toEqual(["'../../common/test/free-port' is a test helper: only tests, e2e/ and bench/ may import it"]);
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../../common/paths';
import { generatedFiles } from '../generated-files';

/**
 * `orderscope generate`: writes every generated, committed file from its source of truth. A unit
 * test regenerates them in memory and fails when the committed copies differ.
 */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('Write the generated files (event JSON Schema, alert rules, dashboards, Kubernetes manifests) from the process model and metric catalogue.')
    .option('-o, --out <dir>', 'the repository root to write into', PROJECT_ROOT)
    .action(async (opts: { out: string }) => {
      for (const file of await generatedFiles()) {
        const target = path.join(opts.out, file.path);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, file.content);
        console.log(`wrote ${file.path}`);
      }
    });
}

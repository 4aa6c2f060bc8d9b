import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a thread (node:worker_threads) that runs the module `file`. Built, `file` is a .js file next
 * to the caller's; run from source by the test runner it is a .ts file, which Node cannot load: the
 * thread then compiles TypeScript modules as they are required, with the compiler the tests have
 * (transpile only: the type check is the lint's job). Callers pass
 * `path.join(__dirname, \`name${path.extname(__filename)}\`)`, which is right in both cases.
 */
export function startModuleThread(file: string, options: WorkerOptions = {}): Worker {
  if (!file.endsWith('.ts')) return new Worker(file, options);
  const bootstrap = `
    const ts = require('typescript');
    const fs = require('node:fs');
    require.extensions['.ts'] = (module, filename) => {
      const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
      module._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions }).outputText, filename);
    };
    require(${JSON.stringify(file)});
  `;
  return new Worker(bootstrap, { ...options, eval: true });
}

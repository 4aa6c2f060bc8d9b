// Lets the child processes of the agents' integration tests run the TypeScript sources directly,
// as ts-jest does for the tests themselves: each .ts file is transpiled when it is required (no type
// check here; `tsc --noEmit` does that). Plain JavaScript because it is what makes TypeScript loadable.
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  inlineSourceMap: true,
};

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions });
  module._compile(outputText, filename);
};

// An ESLint rule of this project: code outside a module imports it through its index.ts.
//
// A module is a folder with an index.ts. An import that leaves the importing file's module and points
// at a file inside another module (not the module's folder or its index) reaches past the module's
// interface: what the module exports is the contract, its files are its own business. A test reaches
// into the module it tests freely (it lives inside it); what it takes from other modules goes through
// their index.ts too, except test helpers (files in a test/ folder), which only test code may import:
// *.test.ts, test/ folders, e2e/ and bench/. A module's metric-names.ts is public too: a leaf catalogue
// that imports nothing heavy, so that generators read metric names without loading the service.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** The files of a module that others may import: its interface, and its leaf metric catalogue. */
const PUBLIC_FILES = new Set(['index.ts', 'metric-names.ts']);

/** Whether `dir` is a module: a folder with an index.ts. */
function isModule(dir) {
  return existsSync(path.join(dir, 'index.ts'));
}

/** Resolves a relative specifier the way TypeScript does for this project: file.ts, or folder/index.ts. */
function resolve(fromFile, specifier) {
  const target = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [`${target}.ts`, target]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  if (existsSync(path.join(target, 'index.ts'))) return path.join(target, 'index.ts');
  return null;
}

/**
 * The module folder whose interface the import bypasses, or null: the deepest module folder that
 * holds the target but not the importer, when the target is not one of its public files. A folder
 * with an index.ts inside a module is a module of its own, reached through its own index.ts (a
 * submodule that loads what its parent must not, like the dashboards' preview, which runs the tracker).
 */
export function bypassedModule(importer, target) {
  let common = path.dirname(importer);
  while (!(target + path.sep).startsWith(common + path.sep)) {
    // Only a path that leaves the file system's root ends here; nothing to judge.
    if (common === path.dirname(common)) return null;
    common = path.dirname(common);
  }
  let module = null;
  let dir = common;
  for (const part of path.relative(common, path.dirname(target)).split(path.sep).filter(Boolean)) {
    dir = path.join(dir, part);
    if (isModule(dir)) module = dir;
  }
  return module && !PUBLIC_FILES.has(path.relative(module, target)) ? module : null;
}

/** Whether a file (path relative to the project) is test code, which may import test helpers. */
export function isTestCode(relative) {
  const parts = relative.split(path.sep);
  return /\.test\.ts$/.test(relative) || parts.includes('test') || parts[0] === 'e2e' || parts[0] === 'bench';
}

/** Whether a file (path relative to the project) is a test helper: in a test/ folder and not a test itself. */
function isTestHelper(relative) {
  return relative.split(path.sep).includes('test') && !/\.test\.ts$/.test(relative);
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'import another module through its index.ts, not its files' },
    schema: [],
    messages: {
      bypass: "'{{specifier}}' reaches into the module {{module}}/ past its index.ts: import '{{instead}}' and export what you need from {{module}}/index.ts",
      testHelper: "'{{specifier}}' is a test helper: only tests, e2e/ and bench/ may import it",
    },
  },
  create(context) {
    const file = context.filename;
    const check = (node) => {
      const specifier = node.source?.value;
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = resolve(file, specifier);
      if (!target) return;
      const root = context.cwd;
      const testCode = isTestCode(path.relative(root, file));
      if (isTestHelper(path.relative(root, target))) {
        if (!testCode) context.report({ node: node.source, messageId: 'testHelper', data: { specifier } });
        return;
      }
      const module = bypassedModule(file, target);
      if (!module) return;
      let instead = path.relative(path.dirname(file), module) || '.';
      if (!instead.startsWith('.')) instead = `./${instead}`;
      context.report({ node: node.source, messageId: 'bypass', data: { specifier, module: path.relative(root, module), instead } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};

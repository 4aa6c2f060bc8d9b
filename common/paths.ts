import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository root, found by walking up from this file. Works both from the TypeScript sources
 * (tests) and from the compiled `dist/` tree, which sit at different depths.
 */
export const PROJECT_ROOT: string = (() => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'config'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
})();

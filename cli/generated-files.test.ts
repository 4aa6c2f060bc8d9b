import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../common/paths';
import { generatedFiles } from './generated-files';

describe('generated files', () => {
  it.each(generatedFiles().map((f) => [f.path, f.content]))('%s matches a fresh generation (run `orderscope generate`)', (file, content) => {
    expect(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')).toBe(content);
  });
});

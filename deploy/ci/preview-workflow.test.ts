import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { buildProgram } from '../../cli/program';
import { PROJECT_ROOT } from '../../common';
import { BRANCH_LABEL, EXPIRES_LABEL, PREVIEW_LABEL, PREVIEW_SECRET_KEYS } from '../preview';

/*
 * The CI example is documentation that runs elsewhere: these checks keep it in step with the CLI and
 * the manifests it drives (flags that exist, the Secret's keys, the labels the clean-up looks for).
 */

const dir = path.join(PROJECT_ROOT, 'deploy', 'ci');
const workflow = parse(readFileSync(path.join(dir, 'preview.yml'), 'utf8')) as { on: Record<string, unknown>; jobs: Record<string, { steps: { run?: string }[] }> };
const scripts = [...Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run ?? '')), readFileSync(path.join(dir, 'preview-remove.sh'), 'utf8')].join('\n');
const previewCommand = buildProgram().commands.find((c) => c.name() === 'deploy')!.commands.find((c) => c.name() === 'preview')!;

describe('the CI example of preview environments', () => {
  it('runs on push, on branch deletion and on a schedule', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['delete', 'push', 'schedule']);
    expect(Object.keys(workflow.jobs).sort()).toEqual(['apply', 'delete', 'expire']);
  });

  it('passes only flags that orderscope deploy preview has', () => {
    const known = new Set(previewCommand.options.map((o) => o.long));
    const used = [...scripts.matchAll(/deploy preview ((?:\\\n|[^\n])*)/g)].flatMap(([, args]) => [...args!.matchAll(/(?<=\s|^)--[a-z-]+/g)].map(([flag]) => flag));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((f) => !known.has(f))).toEqual([]);
    expect(new Set(used)).toEqual(new Set(['--branch', '--image', '--commit', '--domain', '--set', '--delete']));
  });

  it("creates the Secret with exactly the keys a preview reads", () => {
    const keys = [...scripts.matchAll(/--from-literal=([A-Z_]+)=/g)].map(([, k]) => k);
    expect(keys.sort()).toEqual(['ORDERSCOPE_TOKEN', ...Object.values(PREVIEW_SECRET_KEYS)].sort());
  });

  it('finds expired previews by the labels the manifests carry', () => {
    expect(scripts).toContain(`-l ${PREVIEW_LABEL}=true`);
    expect(scripts).toContain(`.metadata.labels.${EXPIRES_LABEL}`);
    expect(scripts).toContain(`.metadata.annotations.${BRANCH_LABEL}`);
  });

  it('has a clean-up script that bash can parse', () => {
    expect(() => execFileSync('bash', ['-n', path.join(dir, 'preview-remove.sh')])).not.toThrow();
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { flag } from './args';

/**
 * `node dist/bench/support/cpu-profile.js FILE.cpuprofile [--top 25]`: where a V8 CPU profile (node
 * --cpu-prof, or a benchmark's --cpu-prof) spent its busy samples, by package and by function, as
 * shares of all samples that were not idle. Self time only: a function's share is the samples taken
 * while it ran itself, not while it waited for what it called, so the shares add up to 100 %.
 */

/** The parts of V8's .cpuprofile that are read here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
}

export interface Share {
  name: string;
  samples: number;
  /** Of all busy samples, 0 to 1. */
  share: number;
}

export interface ProfileSummary {
  busySamples: number;
  idleSamples: number;
  byPackage: Share[];
  byFunction: Share[];
}

/** V8's own entries, which have no script. */
const IDLE = '(idle)';

/**
 * Where a frame's code comes from: `pkg` or `@scope/pkg` for code in node_modules (the last one in
 * the path: a dependency's own dependency is its own package), `node:<module>` for Node's own, the
 * project's top folder for the project's code (`agents`, `pipeline`), and V8's entries by name
 * (`(garbage collector)`, `(program)`).
 */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url.split('/')[0]!;
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const parts = file.split('/');
  const modules = parts.lastIndexOf('node_modules');
  if (modules >= 0) return parts[modules + 1]?.startsWith('@') ? `${parts[modules + 1]}/${parts[modules + 2]}` : parts[modules + 1]!;
  const dist = parts.lastIndexOf('dist');
  return dist >= 0 && parts[dist + 1] ? parts[dist + 1]! : path.basename(file);
}

/** Busy samples by package and by function (name, file and line), most first. */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idle = 0;
  for (const id of profile.samples) {
    const frame = frames.get(id);
    if (!frame) throw new Error(`a sample names node ${id}, which the profile does not have`);
    if (frame.functionName === IDLE) {
      idle++;
      continue;
    }
    const pkg = packageOf(frame.url, frame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
    const where = frame.url ? `${path.basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'}${where ? ` ${pkg} ${where}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + 1);
  }
  const busy = profile.samples.length - idle;
  const ranked = (counts: Map<string, number>) =>
    [...counts].map(([name, samples]) => ({ name, samples, share: busy === 0 ? 0 : samples / busy })).sort((a, b) => b.samples - a.samples || a.name.localeCompare(b.name));
  return { busySamples: busy, idleSamples: idle, byPackage: ranked(byPackage), byFunction: ranked(byFunction) };
}

/** The summary as the command prints it: the `top` packages and functions. */
export function formatSummary(summary: ProfileSummary, top: number): string {
  const rows = (shares: Share[]) => shares.slice(0, top).map((s) => `  ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.name}`);
  return [
    `${summary.busySamples} busy samples (${summary.idleSamples} idle)`,
    'by package (self):',
    ...rows(summary.byPackage),
    'by function (self):',
    ...rows(summary.byFunction),
  ].join('\n');
}

if (require.main === module) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file || file === '--help') {
    console.error('usage: node dist/bench/support/cpu-profile.js FILE.cpuprofile [--top 25]');
    process.exit(file ? 0 : 1);
  }
  console.log(formatSummary(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile), flag(rest, '--top', 25)));
}

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../common';

/*
 * `orderscope generate` reads the services' metric names, not the services: the catalogue and the
 * generators import the leaf catalogues (tracker/metric-names.ts, collector/metric-names.ts,
 * bus/metric-names.ts), never a service's index.ts, which would load its database driver, HTTP
 * server and Kafka client.
 */

/** What a service loads and a generator has no use for. */
const SERVICE_PACKAGES = ['@electric-sql/pglite', 'amqplib', 'express', 'kafkajs', 'pg'];

/** Transpiles each .ts file as it is required, so that a fresh node process runs the sources as they are. */
const REGISTER_TS = path.join(PROJECT_ROOT, 'agents', 'test', 'register-ts.js');

/**
 * The packages of {@link SERVICE_PACKAGES} that requiring `modules` loads, read from `require.cache`
 * of a fresh node process: nothing loaded before, and nothing cached by Jest's own module registry.
 */
function servicePackagesLoadedBy(modules: readonly string[]): string[] {
  const script = `
    for (const m of ${JSON.stringify(modules)}) require(require('node:path').join(${JSON.stringify(PROJECT_ROOT)}, m));
    const packages = new Set();
    for (const file of Object.keys(require.cache)) {
      for (const [, name] of file.matchAll(/[\\\\/]node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/g)) packages.add(name.replace(/\\\\/g, '/'));
    }
    process.stdout.write(JSON.stringify([...packages]));
  `;
  const output = execFileSync(process.execPath, ['--require', REGISTER_TS, '--eval', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const loaded = new Set(JSON.parse(output) as string[]);
  return SERVICE_PACKAGES.filter((p) => loaded.has(p));
}

describe('the metric catalogue and the generators that read it', () => {
  it('load none of the services: no pg, PGlite, amqplib, express or kafkajs', () => {
    expect(servicePackagesLoadedBy(['alerts/catalogue/metric-catalogue.ts', 'alerts/index.ts', 'dashboards/index.ts'])).toEqual([]);
  });

  it('load none of them for the rest of what `orderscope generate` writes either (the Kubernetes manifests)', () => {
    expect(servicePackagesLoadedBy(['cli/generated-files.ts'])).toEqual([]);
  });

  it('are checked by a probe that does see those packages where a service loads them', () => {
    expect(servicePackagesLoadedBy(['bus/index.ts', 'tracker/store/index.ts'])).toEqual(expect.arrayContaining(['@electric-sql/pglite', 'kafkajs', 'pg']));
  });
});

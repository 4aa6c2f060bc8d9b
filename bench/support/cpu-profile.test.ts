import { formatSummary, packageOf, summarizeProfile, type CpuProfile } from './cpu-profile';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('CPU profile summary', () => {
  it('names the package of a frame', () => {
    expect(packageOf('file:///srv/app/node_modules/pg/lib/client.js', 'query')).toBe('pg');
    expect(packageOf('/srv/app/node_modules/@opentelemetry/sdk-trace-base/build/src/Span.js', 'end')).toBe('@opentelemetry/sdk-trace-base');
    // A dependency's own dependency is its own package.
    expect(packageOf('/srv/app/node_modules/express/node_modules/debug/src/node.js', 'log')).toBe('debug');
    expect(packageOf('node:internal/streams/writable', 'write')).toBe('node:internal');
    expect(packageOf('node:events', 'emit')).toBe('node:events');
    expect(packageOf('/srv/app/dist/agents/node/pg-spans.js', 'queryWithSpan')).toBe('agents');
    expect(packageOf('/srv/tool/main.js', 'main')).toBe('main.js');
    expect(packageOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(packageOf('', 'writev')).toBe('(native)');
  });

  it("adds up each package's and function's own samples, as shares of the busy ones", () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('(idle)') },
        { id: 3, callFrame: frame('query', 'file:///app/node_modules/pg/lib/client.js', 667) },
        { id: 4, callFrame: frame('queryWithSpan', 'file:///app/dist/agents/node/pg-spans.js', 69) },
        { id: 5, callFrame: frame('(garbage collector)') },
        // The same function reached by another path is another node of the tree: its samples join.
        { id: 6, callFrame: frame('query', 'file:///app/node_modules/pg/lib/client.js', 667) },
      ],
      samples: [2, 2, 3, 3, 6, 4, 5, 2, 4, 3],
    };
    const summary = summarizeProfile(profile);
    expect(summary.busySamples).toBe(7);
    expect(summary.idleSamples).toBe(3);
    expect(summary.byPackage).toEqual([
      { name: 'pg', samples: 4, share: 4 / 7 },
      { name: 'agents', samples: 2, share: 2 / 7 },
      { name: '(garbage collector)', samples: 1, share: 1 / 7 },
    ]);
    expect(summary.byFunction.map((f) => [f.name, f.samples])).toEqual([
      ['query pg client.js:668', 4],
      ['queryWithSpan agents pg-spans.js:70', 2],
      ['(garbage collector)', 1],
    ]);
    expect(formatSummary(summary, 1)).toBe(['7 busy samples (3 idle)', 'by package (self):', '   57.1 %  pg', 'by function (self):', '   57.1 %  query pg client.js:668'].join('\n'));
  });

  it('refuses a sample of a node the profile does not have', () => {
    expect(() => summarizeProfile({ nodes: [{ id: 1, callFrame: frame('(root)') }], samples: [1, 7] })).toThrow('a sample names node 7, which the profile does not have');
  });
});

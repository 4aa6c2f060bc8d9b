import { totalInstructions } from './instruction-count';

describe('totalInstructions', () => {
  it('reads the totals line of a callgrind dump', () => {
    const dump = ['# callgrind format', 'version: 1', 'creator: callgrind-3.19.0', 'pid: 4242', 'part: 1', 'events: Ir', 'summary: 1465182486', '', 'fn=(1) main', '0 12', '', 'totals: 1465182486', ''].join('\n');
    expect(totalInstructions(dump)).toBe(1_465_182_486);
  });

  it('reads the summary line of a dump that has no totals line', () => {
    expect(totalInstructions('events: Ir\nsummary: 733\nfn=(1) main\n0 733\n')).toBe(733);
  });

  it('refuses a file that is no callgrind dump', () => {
    expect(() => totalInstructions('fn=(1) main\n0 12\n')).toThrow('the callgrind dump has no totals line');
  });
});

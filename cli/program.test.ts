import { buildProgram } from './program';

const names = (argv: string[]) =>
  buildProgram(['node', 'orderscope', ...argv])
    .commands.map((c) => c.name())
    .sort();

const ALL = ['agent', 'collector', 'dashboards', 'dead-letters', 'deploy', 'generate', 'import', 'model', 'pipeline', 'reconcile', 'replay', 'report', 'tracker', 'up'];

describe('the orderscope program', () => {
  it('is built with the one command its first argument names, so that a server loads only its own code', () => {
    expect(names(['tracker', '--port', '0'])).toEqual(['tracker']);
    expect(names(['collector'])).toEqual(['collector']);
    expect(names(['dead-letters', 'list'])).toEqual(['dead-letters']);
  });

  it('is built with every command when the first argument names none: no command, --help, help, a misspelled or inherited name', () => {
    for (const argv of [[], ['--help'], ['help', 'tracker'], ['trackr'], ['constructor'], ['--version']]) expect(names(argv)).toEqual(ALL);
  });
});

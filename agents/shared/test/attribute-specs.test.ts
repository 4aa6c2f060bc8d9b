import { ConfigError } from '../../../common';
import { parseAttributeSpecs, type AttributeSpecSyntax } from '../attribute-specs';

const columns: AttributeSpecSyntax = { expected: 'name or name=column', bareName: true };
const readers: AttributeSpecSyntax = { expected: 'name=header:<name> or name=json:<path>', reserved: ['exchange', 'routing_key'] };

describe('parseAttributeSpecs', () => {
  it('splits each spec at its first "=", so that a source may contain more', () => {
    expect(parseAttributeSpecs(['segment=json:$.a', 'x=json:$[?(@.k=="v")]'], readers)).toEqual([
      { name: 'segment', source: 'json:$.a' },
      { name: 'x', source: 'json:$[?(@.k=="v")]' },
    ]);
  });

  it('reads a bare name as the source of the same name where the agent allows it', () => {
    expect(parseAttributeSpecs(['segment', 'op=operator_id'], columns)).toEqual([
      { name: 'segment', source: 'segment' },
      { name: 'op', source: 'operator_id' },
    ]);
  });

  it.each([
    ['a bare name where the agent needs a source', 'segment', readers],
    ['no name', '=json:$.a', readers],
    ['no source', 'segment=', columns],
    ['a name the event contract refuses', 'two words=col', columns],
    ['a name too long for the contract', `${'a'.repeat(65)}=col`, columns],
    ['a name the agent sets itself', 'routing_key=header:rk', readers],
  ])('refuses %s, naming the flag and the spec in the agent\'s words', (_what, spec, syntax) => {
    expect(() => parseAttributeSpecs([spec], syntax)).toThrow(ConfigError);
    expect(() => parseAttributeSpecs([spec], syntax)).toThrow(`--attribute: "${spec}" is not ${syntax.expected}`);
  });

  it('takes no spec as no attribute', () => {
    expect(parseAttributeSpecs([], columns)).toEqual([]);
  });
});

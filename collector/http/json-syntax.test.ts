import fc from 'fast-check';
import { findJsonSyntaxError, lineAndColumn } from './json-syntax';

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Valid JSON with a few characters replaced, inserted or removed: the interesting near-misses. */
const nearlyJson = fc
  .tuple(fc.jsonValue().map((v) => JSON.stringify(v, null, fc.sample(fc.constantFrom(0, 2), 1)[0])), fc.array(fc.tuple(fc.nat(), fc.constantFrom('', ',', ']', '}', '"', '\\', ':', '0', '-', 'e', ' ', '\n', '\u0001', 'x', '.')), { maxLength: 3 }))
  .map(([text, edits]) => edits.reduce((t, [at, s]) => { const i = at % (t.length + 1); return t.slice(0, i) + s + t.slice(i + (s === '' ? 1 : 0)); }, text));

describe('findJsonSyntaxError', () => {
  it('agrees with JSON.parse on what is JSON, for random and nearly-valid texts', () => {
    fc.assert(
      fc.property(fc.oneof(nearlyJson, fc.string(), fc.string({ unit: fc.constantFrom(...'[]{}",:0123456789-+.eEtrufalsn \\/u\n') })), (text) => {
        expect(findJsonSyntaxError(text) === undefined).toBe(parses(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('points at the first wrong character', () => {
    expect(findJsonSyntaxError('{"a": [1, 2,, 3]}')).toEqual({ offset: 12, problem: 'expected a value (an object, array, string, number, true, false or null)' });
    expect(findJsonSyntaxError('[1.]')).toEqual({ offset: 3, problem: 'invalid number (expected a digit after the decimal point)' });
    expect(findJsonSyntaxError('[-]')).toEqual({ offset: 2, problem: 'invalid number (expected a digit)' });
    expect(findJsonSyntaxError('[1e+]')).toEqual({ offset: 4, problem: 'invalid number (expected a digit in the exponent)' });
    expect(findJsonSyntaxError('["\\u12G4"]')).toEqual({ offset: 2, problem: 'invalid \\u escape in a string (expected four hex digits)' });
    expect(findJsonSyntaxError('{"a": 1 "b": 2}')).toEqual({ offset: 8, problem: "expected ',' or '}' after a property value" });
    expect(findJsonSyntaxError('{1: 2}')).toEqual({ offset: 1, problem: "expected a property name in double quotes or '}'" });
    expect(findJsonSyntaxError('')).toEqual({ offset: 0, problem: 'the body is empty; expected a JSON value' });
  });

  it('handles a million levels of nesting without recursion', () => {
    expect(findJsonSyntaxError('['.repeat(1_000_000) + ']'.repeat(1_000_000))).toBeUndefined();
    expect(findJsonSyntaxError('['.repeat(1_000_000) + '}')).toEqual({ offset: 1_000_000, problem: 'expected a value (an object, array, string, number, true, false or null)' });
  });
});

describe('lineAndColumn', () => {
  it('counts lines and columns from 1', () => {
    expect(lineAndColumn('ab\ncd\nef', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd\nef', 4)).toEqual({ line: 2, column: 2 });
    expect(lineAndColumn('ab\ncd\nef', 6)).toEqual({ line: 3, column: 1 });
  });
});

import { arrayParam } from './array-param';
import type { Db } from './db';
import { openTestPglite } from '../test/pglite-template';

describe('arrayParam', () => {
  it('writes arrays of strings, numbers, booleans and nulls as the array literal, in one JSON pass', () => {
    expect(arrayParam(['a', 'b c', null, 'say "hi"', 'back\\slash', 'NULL', '', '{,}'])).toBe('{"a","b c",null,"say \\"hi\\"","back\\\\slash","NULL","","{,}"}');
    expect(arrayParam([1, -2.5, 0, 1e21, 9007199254740991])).toBe('{1,-2.5,0,1e+21,9007199254740991}');
    expect(arrayParam([true, false, undefined])).toBe('{true,false,null}');
    expect(arrayParam([])).toBe('{}');
    expect(arrayParam(['ünïcødé', '😀'])).toBe('{"ünïcødé","😀"}');
  });

  it('leaves to pg what JSON would write otherwise than PostgreSQL reads it, and what is not an array of scalars', () => {
    for (const value of [['line\nbreak'], ['tab\there'], ['\u0001'], ['\ud800'], ['an escaped backslash before n: \\n'], [Number.NaN], [Infinity], [[1, 2]], [{ a: 1 }], [new Date(0)], [Buffer.from('x')]]) {
      expect(arrayParam(value)).toBe(value);
    }
    for (const value of ['text', 42, null, undefined, { a: 1 }, Buffer.from('x')]) expect(arrayParam(value)).toBe(value);
  });
});

describe('arrayParam literals, read back by PostgreSQL', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestPglite();
  });
  afterAll(async () => {
    await db.close();
  });

  it('give back exactly the values, quotes, backslashes, braces, commas, NULL as a word and Unicode included', async () => {
    const values = ['plain', 'with space', ' padded ', 'say "hi"', 'C:\\dir\\', '\\"', 'NULL', 'null', '', '{a,b}', 'x,y', 'ünïcødé', '😀', '{"segment":"b2c","note":"a \\"quote\\""}', null];
    const literal = arrayParam(values);
    expect(typeof literal).toBe('string');
    const rows = await db.query<{ v: string | null }>('SELECT unnest($1::text[]) AS v', [literal]);
    expect(rows.map((r) => r.v)).toEqual(values);
    const jsonRows = await db.query<{ v: unknown }>('SELECT unnest($1::jsonb[]) AS v', [arrayParam(['{"segment":"b2c","n":1}', '{"s":"a \\\\ b"}'])]);
    expect(jsonRows.map((r) => r.v)).toEqual([{ segment: 'b2c', n: 1 }, { s: 'a \\ b' }]);
    const numbers = await db.query<{ v: number }>('SELECT unnest($1::float8[]) AS v', [arrayParam([1, -2.5, 1e21, 0.1])]);
    expect(numbers.map((r) => r.v)).toEqual([1, -2.5, 1e21, 0.1]);
  });
});

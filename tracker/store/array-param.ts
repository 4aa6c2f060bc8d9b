/**
 * A statement parameter as `pg` should send it: an array of strings, finite numbers, booleans and
 * nulls as PostgreSQL's array literal, built by JSON.stringify; anything else unchanged, for `pg`.
 *
 * Why: `pg` builds the literal itself (utils.js arrayString), element by element with string
 * concatenation, and that was a third of everything the tracker allocated (2 GB over 300,000 events,
 * V8's sampling heap profiler), feeding a garbage collector already at a quarter of its busy time:
 * apply passes every column of a batch as an array. JSON.stringify writes the same literal in one
 * pass: quoted strings with `\"` and `\\` (which PostgreSQL reads the same), `null`, numbers and
 * booleans as `pg` would write them, in brackets instead of braces. The escapes only JSON has (`\b`
 * `\f` `\n` `\r` `\t` `\uXXXX`: control characters and lone surrogates) PostgreSQL would read as
 * the letter alone, so an array whose JSON has any is left to `pg` (a false alarm, such as an
 * escaped backslash before an `n`, only costs the slow path).
 */
export function arrayParam(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  // Indexed, not for...of: the iterator's result objects would be garbage per element.
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (item === null || item === undefined || typeof item === 'string' || typeof item === 'boolean') continue;
    // NaN and the infinities would be JSON's null; pg writes them as PostgreSQL reads them.
    if (typeof item === 'number' && Number.isFinite(item)) continue;
    return value;
  }
  const json = JSON.stringify(value);
  if (JSON_ONLY_ESCAPE.test(json)) return value;
  return `{${json.slice(1, -1)}}`;
}

const JSON_ONLY_ESCAPE = /\\[bfnrtu]/;

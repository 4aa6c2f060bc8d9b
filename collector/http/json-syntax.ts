/**
 * Finds where a text stops being JSON (RFC 8259), to tell a producer what to fix. Only called after
 * JSON.parse has failed, because JSON.parse's own messages are inconsistent (some carry a position,
 * some quote the input). The scanner keeps its nesting on an explicit stack, so a body of a million
 * `[` cannot overflow the call stack.
 */

export interface JsonSyntaxError {
  /** Character offset (UTF-16 code units) from the start of the scanned text. */
  offset: number;
  /** What was wrong there, e.g. "expected ',' or ']' after an array element". */
  problem: string;
}

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end';

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** The first syntax error of `text`, or undefined when it is one valid JSON value. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const stack: Array<'array' | 'object'> = [];
  let expect: Expect = 'value';
  let i = 0;
  const fail = (offset: number, problem: string): JsonSyntaxError => ({ offset, problem });
  const afterValue = () => (stack.length === 0 ? 'end' : 'comma-or-close');

  while (true) {
    while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
    if (i >= text.length) {
      if (expect === 'end') return undefined;
      if (stack.length === 0 && expect === 'value') return fail(i, 'the body is empty; expected a JSON value');
      return fail(i, `unexpected end of the body (${stack.length} unclosed bracket${stack.length === 1 ? '' : 's'}; the body may be truncated)`);
    }
    const c = text[i]!;
    switch (expect) {
      case 'end':
        return fail(i, 'unexpected content after the end of the JSON value');
      case 'colon':
        if (c !== ':') return fail(i, "expected ':' after a property name");
        i++;
        expect = 'value';
        continue;
      case 'comma-or-close': {
        const top = stack[stack.length - 1]!;
        const close = top === 'array' ? ']' : '}';
        if (c === ',') {
          i++;
          expect = top === 'array' ? 'value' : 'key';
          continue;
        }
        if (c === close) {
          i++;
          stack.pop();
          expect = afterValue();
          continue;
        }
        return fail(i, `expected ',' or '${close}' after ${top === 'array' ? 'an array element' : 'a property value'}`);
      }
      case 'key':
      case 'key-or-close':
        if (c === '}' && expect === 'key-or-close') {
          i++;
          stack.pop();
          expect = afterValue();
          continue;
        }
        if (c !== '"') {
          return fail(i, expect === 'key' ? 'expected a property name in double quotes (no trailing comma)' : "expected a property name in double quotes or '}'");
        }
        {
          const end = scanString(text, i);
          if (typeof end !== 'number') return end;
          i = end;
        }
        expect = 'colon';
        continue;
      case 'value':
      case 'value-or-close': {
        if (c === ']' && expect === 'value-or-close') {
          i++;
          stack.pop();
          expect = afterValue();
          continue;
        }
        if (c === '[' || c === '{') {
          stack.push(c === '[' ? 'array' : 'object');
          i++;
          expect = c === '[' ? 'value-or-close' : 'key-or-close';
          continue;
        }
        const end = c === '"' ? scanString(text, i) : scanScalar(text, i, stack.length > 0 && stack[stack.length - 1] === 'array' && expect === 'value');
        if (typeof end !== 'number') return end;
        i = end;
        expect = afterValue();
        continue;
      }
    }
  }
}

/** Scans a string starting at its opening quote; returns the offset after the closing quote. */
function scanString(text: string, start: number): number | JsonSyntaxError {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return { offset: i, problem: 'control character in a string (write it escaped, e.g. \\n or \\u0000)' };
    if (c === 0x5c) {
      const next = text[i + 1];
      if (next === 'u') {
        for (let k = 2; k < 6; k++) {
          if (!isHex(text.charCodeAt(i + k))) return { offset: i, problem: 'invalid \\u escape in a string (expected four hex digits)' };
        }
        i += 6;
        continue;
      }
      if (next === undefined || !'"\\/bfnrt'.includes(next)) return { offset: i, problem: 'invalid escape in a string (valid: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)' };
      i += 2;
      continue;
    }
    i++;
  }
  return { offset: start, problem: 'unterminated string (missing closing double quote)' };
}

/** Scans a number or true/false/null; returns the offset after it. */
function scanScalar(text: string, start: number, afterComma: boolean): number | JsonSyntaxError {
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, start)) return start + literal.length;
  }
  let i = start;
  const c0 = text.charCodeAt(i);
  if (c0 !== 0x2d && !isDigit(c0)) {
    const problem = afterComma && text[i] === ']' ? 'expected a value (no trailing comma)' : 'expected a value (an object, array, string, number, true, false or null)';
    return { offset: start, problem };
  }
  if (c0 === 0x2d) i++;
  if (text.charCodeAt(i) === 0x30) i++;
  else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
  else return { offset: i, problem: 'invalid number (expected a digit)' };
  if (text.charCodeAt(i) === 0x2e) {
    i++;
    if (!isDigit(text.charCodeAt(i))) return { offset: i, problem: 'invalid number (expected a digit after the decimal point)' };
    while (isDigit(text.charCodeAt(i))) i++;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    i++;
    if (text[i] === '+' || text[i] === '-') i++;
    if (!isDigit(text.charCodeAt(i))) return { offset: i, problem: 'invalid number (expected a digit in the exponent)' };
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

/** Line and column (both from 1) of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

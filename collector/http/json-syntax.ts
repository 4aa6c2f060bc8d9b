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

/** Where the scan is: the offset, the open arrays and objects, and what may come next. */
interface Scan {
  readonly text: string;
  i: number;
  readonly stack: Array<'array' | 'object'>;
  expect: Expect;
}

/** The first syntax error of `text`, or undefined when it is one valid JSON value. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const scan: Scan = { text, i: 0, stack: [], expect: 'value' };
  while (true) {
    while (scan.i < text.length && isWhitespace(text.charCodeAt(scan.i))) scan.i++;
    if (scan.i >= text.length) return endOfText(scan);
    const problem = step(scan, text[scan.i]!);
    if (problem) return problem;
  }
}

/** Takes the token at `c` as `scan.expect` says, or says why it cannot. */
function step(scan: Scan, c: string): JsonSyntaxError | undefined {
  switch (scan.expect) {
    case 'end':
      return fail(scan.i, 'unexpected content after the end of the JSON value');
    case 'colon':
      if (c !== ':') return fail(scan.i, "expected ':' after a property name");
      scan.i++;
      scan.expect = 'value';
      return undefined;
    case 'comma-or-close':
      return afterElement(scan, c);
    case 'key':
    case 'key-or-close':
      return propertyName(scan, c);
    case 'value':
    case 'value-or-close':
      return value(scan, c);
  }
}

/** The text ended: fine after a whole value, else what is missing. */
function endOfText({ i, stack, expect }: Scan): JsonSyntaxError | undefined {
  if (expect === 'end') return undefined;
  if (stack.length === 0 && expect === 'value') return fail(i, 'the body is empty; expected a JSON value');
  return fail(i, `unexpected end of the body (${stack.length} unclosed bracket${stack.length === 1 ? '' : 's'}; the body may be truncated)`);
}

/** After an array element or a property value: a comma, or the bracket that closes it. */
function afterElement(scan: Scan, c: string): JsonSyntaxError | undefined {
  const top = scan.stack[scan.stack.length - 1]!;
  const close = top === 'array' ? ']' : '}';
  if (c === ',') {
    scan.i++;
    scan.expect = top === 'array' ? 'value' : 'key';
    return undefined;
  }
  if (c === close) return closeBracket(scan);
  return fail(scan.i, `expected ',' or '${close}' after ${top === 'array' ? 'an array element' : 'a property value'}`);
}

/** A property name in double quotes, or (first in an object) the '}' of an empty object. */
function propertyName(scan: Scan, c: string): JsonSyntaxError | undefined {
  if (c === '}' && scan.expect === 'key-or-close') return closeBracket(scan);
  if (c !== '"') {
    return fail(scan.i, scan.expect === 'key' ? 'expected a property name in double quotes (no trailing comma)' : "expected a property name in double quotes or '}'");
  }
  const end = scanString(scan.text, scan.i);
  if (typeof end !== 'number') return end;
  scan.i = end;
  scan.expect = 'colon';
  return undefined;
}

/** A value: an array or object opens, a string or scalar is scanned whole; or the ']' of an empty array. */
function value(scan: Scan, c: string): JsonSyntaxError | undefined {
  const { stack } = scan;
  if (c === ']' && scan.expect === 'value-or-close') return closeBracket(scan);
  if (c === '[' || c === '{') {
    stack.push(c === '[' ? 'array' : 'object');
    scan.i++;
    scan.expect = c === '[' ? 'value-or-close' : 'key-or-close';
    return undefined;
  }
  const end = c === '"' ? scanString(scan.text, scan.i) : scanScalar(scan.text, scan.i, stack.length > 0 && stack[stack.length - 1] === 'array' && scan.expect === 'value');
  if (typeof end !== 'number') return end;
  scan.i = end;
  scan.expect = afterValue(scan);
  return undefined;
}

/** Takes the closing bracket of the innermost array or object. */
function closeBracket(scan: Scan): undefined {
  scan.i++;
  scan.stack.pop();
  scan.expect = afterValue(scan);
  return undefined;
}

/** What may follow a complete value: the end of the text, or a comma or closing bracket. */
function afterValue({ stack }: Scan): Expect {
  return stack.length === 0 ? 'end' : 'comma-or-close';
}

function fail(offset: number, problem: string): JsonSyntaxError {
  return { offset, problem };
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

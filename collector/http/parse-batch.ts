import type { BatchFormat } from './content-type';
import { findJsonSyntaxError, lineAndColumn } from './json-syntax';
import { RequestRefused } from './refusal';

/**
 * Splits a decoded body into its items (still unvalidated: each is checked against the contract
 * later, one by one). Refuses the whole request when the framing itself is broken (400, with the
 * position of the first error) or carries more than `maxEvents` items (413).
 *
 * JSON.parse builds plain data objects: a `"__proto__"` key becomes an own property, never a
 * prototype, and nesting depth is not limited by the call stack (V8 parses iteratively).
 */
export function parseBatch(text: string, format: BatchFormat, maxEvents: number): unknown[] {
  return format === 'json' ? parseJsonArray(text, maxEvents) : parseNdjson(text, maxEvents);
}

function parseJsonArray(text: string, maxEvents: number): unknown[] {
  if (text.trim() === '') throw new RequestRefused(400, 'empty_body', 'the body is empty; send a JSON array of events ([] for none)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const error = findJsonSyntaxError(text);
    if (!error) throw new RequestRefused(400, 'invalid_json', 'the body is not valid JSON');
    const { line, column } = lineAndColumn(text, error.offset);
    throw new RequestRefused(400, 'invalid_json', `the body is not valid JSON: ${error.problem} at line ${line}, column ${column} (character ${error.offset})`, {
      details: { line, column, offset: error.offset },
    });
  }
  if (!Array.isArray(parsed)) {
    const got = parsed === null ? 'null' : typeof parsed === 'object' ? 'an object' : `a ${typeof parsed}`;
    throw new RequestRefused(400, 'not_an_array', `the body must be a JSON array of events, got ${got}${got === 'an object' ? '; wrap a single event in [ ]' : ''}`);
  }
  checkCount(parsed.length, maxEvents);
  return parsed;
}

function parseNdjson(text: string, maxEvents: number): unknown[] {
  // Blank lines (and a final newline) separate nothing and are skipped; an item's index counts items.
  const lines = text.split('\n');
  let count = 0;
  for (const line of lines) if (line.trim() !== '') count++;
  checkCount(count, maxEvents);
  const items: unknown[] = [];
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.endsWith('\r') ? lines[n]!.slice(0, -1) : lines[n]!;
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch {
      const error = findJsonSyntaxError(line);
      const where = error ? `: ${error.problem} at column ${error.offset + 1}` : '';
      throw new RequestRefused(400, 'invalid_json', `line ${n + 1} is not valid JSON${where} (NDJSON: one JSON event per line)`, {
        details: { line: n + 1, ...(error && { column: error.offset + 1 }) },
      });
    }
  }
  return items;
}

function checkCount(count: number, maxEvents: number): void {
  if (count > maxEvents) {
    throw new RequestRefused(413, 'too_many_events', `the request carries ${count} events; at most ${maxEvents} are accepted per request: split the batch`, {
      details: { events: count, maxEvents },
    });
  }
}

import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { ValidationError } from '../../common';
import type { LogFields, LogRecord } from './log-record';

/** Which XES attribute keys hold what (the standard extensions' keys by default); further attributes are an event's or its trace's. */
export type XesKeys = LogFields;

/** XES attribute elements (IEEE 1849-2016, section 5.5): each has a key and a value. */
const ATTRIBUTE_TAGS = new Set(['string', 'date', 'int', 'float', 'boolean', 'id']);

/**
 * Reads an XES event log (IEEE 1849) as it streams: `<log>` holds `<trace>`s (a case; its
 * `concept:name` is the case id) that hold `<event>`s, each with typed attributes
 * (`<string key="concept:name" value="…"/>`, `<date key="time:timestamp" …/>`). Only attributes
 * that are direct children of an event or trace count (lists and containers nest others, which are
 * not this event's); `<global scope="event|trace">` gives defaults for attributes an element lacks.
 * Memory holds the events of one trace at most (until its case id is known) and one chunk of text.
 */
export async function* readXesLog(input: AsyncIterable<string>, keys: XesKeys = {}): AsyncGenerator<LogRecord | { line: number; error: string }> {
  const k = {
    caseId: keys.caseId ?? 'concept:name',
    activity: keys.activity ?? 'concept:name',
    timestamp: keys.timestamp ?? 'time:timestamp',
    resource: keys.resource ?? 'org:resource',
  };
  const parser = new SaxesParser({ position: true, xmlns: false });
  const out: (LogRecord | { line: number; error: string })[] = [];
  const globals = { trace: new Map<string, string>(), event: new Map<string, string>() };
  // The open elements, innermost last; attributes are read into the nearest trace, event or global.
  const stack: string[] = [];
  let globalScope: 'trace' | 'event' | undefined;
  let trace: Map<string, string> | undefined;
  let pending: { line: number; attributes: Map<string, string> }[] = [];
  let event: { line: number; attributes: Map<string, string> } | undefined;

  const record = (e: { line: number; attributes: Map<string, string> }, t: Map<string, string>): LogRecord | { line: number; error: string } => {
    const get = (key: string) => e.attributes.get(key) ?? globals.event.get(key);
    const caseId = t.get(k.caseId) ?? globals.trace.get(k.caseId);
    const activity = get(k.activity);
    const timestamp = get(k.timestamp);
    const absent = [caseId === undefined && `the trace has no "${k.caseId}"`, activity === undefined && `no "${k.activity}"`, timestamp === undefined && `no "${k.timestamp}"`].filter(Boolean);
    if (absent.length) return { line: e.line, error: `event: ${absent.join(', ')} (name the keys with --case-column, --activity-column, --timestamp-column)` };
    const attributes: Record<string, string> = {};
    for (const [key, name] of Object.entries(keys.attributes ?? {})) {
      const value = get(key) ?? t.get(key);
      if (value !== undefined && value !== '') attributes[name] = value;
    }
    return {
      line: e.line,
      caseId: caseId!,
      activity: activity!,
      timestamp: timestamp!,
      resource: get(k.resource),
      source: keys.source === undefined ? undefined : (get(keys.source) ?? t.get(keys.source)),
      attributes,
    };
  };

  parser.on('opentag', (opened) => {
    const tag = opened as SaxesTagPlain;
    const parent = stack[stack.length - 1];
    stack.push(tag.name);
    if (tag.name === 'trace' && parent === 'log') {
      trace = new Map();
      pending = [];
    } else if (tag.name === 'event' && parent === 'trace') {
      event = { line: parser.line, attributes: new Map() };
    } else if (tag.name === 'global' && parent === 'log') {
      globalScope = tag.attributes.scope === 'trace' ? 'trace' : 'event';
    } else if (ATTRIBUTE_TAGS.has(tag.name) && typeof tag.attributes.key === 'string') {
      const value = String(tag.attributes.value ?? '');
      if (parent === 'event' && event) event.attributes.set(tag.attributes.key, value);
      else if (parent === 'trace' && trace) trace.set(tag.attributes.key, value);
      else if (parent === 'global' && globalScope) globals[globalScope].set(tag.attributes.key, value);
    }
  });
  parser.on('closetag', (tag) => {
    stack.pop();
    if (tag.name === 'event' && event && trace) {
      // A trace's attributes come before its events in the standard's schema, but not in every file.
      if (trace.has(k.caseId) || globals.trace.has(k.caseId)) out.push(record(event, trace));
      else pending.push(event);
      event = undefined;
    } else if (tag.name === 'trace' && trace) {
      for (const e of pending) out.push(record(e, trace));
      pending = [];
      trace = undefined;
    } else if (tag.name === 'global') globalScope = undefined;
  });

  try {
    for await (const chunk of input) {
      parser.write(chunk);
      yield* out.splice(0);
    }
    parser.close();
  } catch (err) {
    throw new ValidationError(`the file is not well-formed XML (XES): ${(err as Error).message}`, err);
  }
  yield* out.splice(0);
}

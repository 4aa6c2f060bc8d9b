import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors';
import { Spool } from './spool';
import { decodeSegment, encodeEventLine, segmentFileName } from './segment-format';
import { testEvent } from '../../agents/node/test/support/events';
import type { OrderEventInput } from '../../events';

describe('the spool', () => {
  let dir: string;
  const opened: Spool<OrderEventInput>[] = [];
  const open = (options: { maxBytes?: number; segmentBytes?: number } = {}) => {
    const spool = Spool.open<OrderEventInput>({ dir, maxBytes: options.maxBytes ?? 1_000_000, segmentBytes: options.segmentBytes });
    opened.push(spool);
    return spool;
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'orderscope-spool-'));
  });
  afterEach(async () => {
    for (const spool of opened.splice(0)) await spool.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const segmentFiles = () => readdirSync(dir).filter((f) => f.endsWith('.ndjson')).sort();

  it('gives back appended events oldest segment first, and forgets a segment only when it is removed', async () => {
    const spool = open({ segmentBytes: 1 });
    const first = [testEvent(), testEvent()];
    const second = [testEvent()];
    expect(await spool.append(first)).toBe(2);
    expect(await spool.append(second)).toBe(1);
    expect(segmentFiles()).toEqual([segmentFileName(1), segmentFileName(2)]);

    const oldest = await spool.oldest();
    expect(oldest).toEqual({ id: 1, events: first, corruptLines: 0 });
    // Reading is not consuming: until remove(), a crash would deliver the segment again.
    expect((await spool.oldest())?.id).toBe(1);
    await spool.remove(1);
    expect(await spool.oldest()).toEqual({ id: 2, events: second, corruptLines: 0 });
    await spool.remove(2);
    expect(await spool.oldest()).toBeUndefined();
    expect(spool.isEmpty()).toBe(true);
    expect(spool.bytes).toBe(0);
    expect(segmentFiles()).toEqual([]);
  });

  it('keeps appending to one segment until it reaches its size, then starts the next', async () => {
    const line = encodeEventLine(testEvent()).length;
    const spool = open({ segmentBytes: line * 3 });
    for (let i = 0; i < 7; i++) await spool.append([testEvent()]);
    expect(segmentFiles()).toHaveLength(3);
    expect((await spool.oldest())?.events).toHaveLength(3);
  });

  it('seals the segment being written when it is read, so later appends go to a new one', async () => {
    const spool = open();
    await spool.append([testEvent()]);
    const oldest = await spool.oldest();
    await spool.append([testEvent()]);
    await spool.remove(oldest!.id);
    expect((await spool.oldest())?.events).toHaveLength(1);
  });

  it('takes events up to its size cap and refuses the rest, without ever passing the cap', async () => {
    const events = Array.from({ length: 10 }, () => testEvent());
    const line = encodeEventLine(events[0]!).length;
    const spool = open({ maxBytes: line * 4 + line / 2 });
    expect(await spool.append(events.slice(0, 3))).toBe(3);
    expect(await spool.append(events.slice(3))).toBe(1);
    expect(await spool.append(events.slice(4))).toBe(0);
    expect(spool.bytes).toBe(line * 4);
    await spool.remove((await spool.oldest())!.id);
    expect(await spool.append(events.slice(4))).toBe(4);
  });

  it('picks up the segments an earlier process left, and appends after them in new segments', async () => {
    const before = open();
    const events = [testEvent(), testEvent()];
    await before.append(events);
    await before.close();

    const after = open();
    expect(after.bytes).toBeGreaterThan(0);
    await after.append([testEvent()]);
    expect(segmentFiles()).toHaveLength(2);
    expect(await after.oldest()).toEqual({ id: 1, events, corruptLines: 0 });
  });

  it('recovers from a torn last line: the whole lines are read back and the torn one is counted', async () => {
    const events = [testEvent(), testEvent()];
    writeFileSync(path.join(dir, segmentFileName(4)), Buffer.concat(events.map(encodeEventLine)));
    appendFileSync(path.join(dir, segmentFileName(4)), '{"schema_version":1,"event_id":"3f1c');
    writeFileSync(path.join(dir, segmentFileName(5)), ''); // created, never written: the crash came first

    const spool = open();
    expect(await spool.oldest()).toEqual({ id: 4, events, corruptLines: 1 });
    await spool.append([testEvent()]);
    // The torn segment is never appended to (the new line would be glued to the torn one); the empty one is gone.
    expect(segmentFiles()).toEqual([segmentFileName(4), segmentFileName(5)]);
    expect(readFileSync(path.join(dir, segmentFileName(5)), 'utf8').split('\n')).toHaveLength(2);
  });

  it('refuses a directory that another live process holds, naming the process and the fix', async () => {
    open();
    writeFileSync(path.join(dir, 'spool.lock'), String(process.ppid));
    expect(() => Spool.open({ dir, maxBytes: 1000 })).toThrow(ConfigError);
    expect(() => Spool.open({ dir, maxBytes: 1000, inUseHint: 'give every agent its own' })).toThrow(`the directory ${dir} is in use by process ${process.ppid}; give every agent its own`);
  });

  it('takes over the lock of a process that died without releasing it', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(path.join(dir, 'spool.lock'), dead);
    const spool = open();
    expect(readFileSync(path.join(dir, 'spool.lock'), 'utf8')).toBe(String(process.pid));
    await spool.close();
    expect(readdirSync(dir)).not.toContain('spool.lock');
  });
});

describe('decoding a segment', () => {
  it('reads one event per line and counts lines that are not JSON or not finished', () => {
    const bytes = Buffer.from('{"a":1}\nnot json\n\n{"b":2}\n{"c":', 'utf8');
    expect(decodeSegment(bytes)).toEqual({ events: [{ a: 1 }, { b: 2 }], corruptLines: 2 });
  });

  it('reads an empty segment as no events', () => {
    expect(decodeSegment(Buffer.alloc(0))).toEqual({ events: [], corruptLines: 0 });
  });
});

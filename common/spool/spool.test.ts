import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors';
import { Spool } from './spool';
import { lockedByChild } from './test/lock-holder';
import { decodeSegment, encodeEventLine, segmentFileName } from './segment-format';
import { testEvent } from '../../agents/shared/test/support/events';
import type { OrderEventInput } from '../../events';

describe('the spool', () => {
  let dir: string;
  const opened: Spool<OrderEventInput>[] = [];
  const open = async (options: { maxBytes?: number; segmentBytes?: number } = {}) => {
    const spool = await Spool.open<OrderEventInput>({ dir, maxBytes: options.maxBytes ?? 1_000_000, segmentBytes: options.segmentBytes });
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
    const spool = await open({ segmentBytes: 1 });
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
    const spool = await open({ segmentBytes: line * 3 });
    for (let i = 0; i < 7; i++) await spool.append([testEvent()]);
    expect(segmentFiles()).toHaveLength(3);
    expect((await spool.oldest())?.events).toHaveLength(3);
  });

  it('seals the segment being written when it is read, so later appends go to a new one', async () => {
    const spool = await open();
    await spool.append([testEvent()]);
    const oldest = await spool.oldest();
    await spool.append([testEvent()]);
    await spool.remove(oldest!.id);
    expect((await spool.oldest())?.events).toHaveLength(1);
  });

  it('takes events up to its size cap and refuses the rest, without ever passing the cap', async () => {
    const events = Array.from({ length: 10 }, () => testEvent());
    const line = encodeEventLine(events[0]!).length;
    const spool = await open({ maxBytes: line * 4 + line / 2 });
    expect(await spool.append(events.slice(0, 3))).toBe(3);
    expect(await spool.append(events.slice(3))).toBe(1);
    expect(await spool.append(events.slice(4))).toBe(0);
    expect(spool.bytes).toBe(line * 4);
    await spool.remove((await spool.oldest())!.id);
    expect(await spool.append(events.slice(4))).toBe(4);
  });

  it('picks up the segments an earlier process left, and appends after them in new segments', async () => {
    const before = await open();
    const events = [testEvent(), testEvent()];
    await before.append(events);
    await before.close();

    const after = await open();
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

    const spool = await open();
    expect(await spool.oldest()).toEqual({ id: 4, events, corruptLines: 1 });
    await spool.append([testEvent()]);
    // The torn segment is never appended to (the new line would be glued to the torn one); the empty one is gone.
    expect(segmentFiles()).toEqual([segmentFileName(4), segmentFileName(5)]);
    expect(readFileSync(path.join(dir, segmentFileName(5)), 'utf8').split('\n')).toHaveLength(2);
  });

  it('refuses a directory that another live process holds, naming the process and the fix', async () => {
    const owner = await lockedByChild(dir);
    try {
      await expect(Spool.open({ dir, maxBytes: 1000 })).rejects.toThrow(ConfigError);
      await expect(Spool.open({ dir, maxBytes: 1000, inUseHint: 'give every agent its own' })).rejects.toThrow(`the directory ${dir} is in use by process ${owner.pid}; give every agent its own`);
    } finally {
      await owner.stop();
    }
  });

  it('takes over at once the directory of a process that was killed (SIGKILL) holding it', async () => {
    const owner = await lockedByChild(dir);
    owner.process.kill('SIGKILL');
    await new Promise((resolve) => owner.process.once('exit', resolve));
    // The killed owner's socket file is still there; nobody listens on it any more.
    expect(readdirSync(dir)).toContain('spool.lock.sock');
    const spool = await open();
    await spool.close();
    expect(readdirSync(dir)).not.toContain('spool.lock.sock');
  });

  it('is not blocked by a lock file of a dead process whose pid is in use again', async () => {
    // The old pid file, naming a live process (this test's parent): it meant "in use" to a pid check.
    writeFileSync(path.join(dir, 'spool.lock'), String(process.ppid));
    // A socket file left by a dead process, as SIGKILL leaves it.
    const dead = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path.join(dir, 'spool.lock.sock'))}, () => process.exit(0))`]);
    expect(dead.status).toBe(0);
    expect(readdirSync(dir)).toContain('spool.lock.sock');
    const spool = await open();
    expect(spool.isEmpty()).toBe(true);
  });

  it('lets one of two opens of one directory in this process win, and the directory is free again once it is closed', async () => {
    const results = await Promise.allSettled([open(), open()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const won = results.find((r): r is PromiseFulfilledResult<Spool<OrderEventInput>> => r.status === 'fulfilled')!.value;
    opened.splice(opened.indexOf(won), 1);
    await won.close();
    await open();
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

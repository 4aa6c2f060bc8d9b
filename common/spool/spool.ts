import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { UnavailableError } from '../errors';
import { lockDirectory, type ReleaseLock } from './directory-lock';
import { decodeSegment, encodeEventLine, segmentFileName, segmentIdOf } from './segment-format';

export interface SpoolOptions {
  /** The directory of the segment files; created when missing. One agent process per directory. */
  dir: string;
  /** Upper bound of all segments together, in bytes: events that do not fit are refused. */
  maxBytes: number;
  /** A segment takes appends until it reaches this size; then a new one is started. Default 1 MiB. */
  segmentBytes?: number;
  /** What to do when another live process holds the directory, for the error (e.g. which option gives each its own). */
  inUseHint?: string;
}

/** The oldest segment's events, to deliver and then {@link Spool.remove}. */
export interface SpooledSegment<E> {
  readonly id: number;
  /** As they were appended (JSON round-tripped: read them as untrusted input). */
  readonly events: E[];
  /** Lines that could not be read back (a torn last write); their events are lost. */
  readonly corruptLines: number;
}

interface Segment {
  readonly id: number;
  bytes: number;
}

/**
 * A bounded on-disk queue of events (`E`: any JSON-serialisable value): a directory of append-only NDJSON segment files.
 *
 * - `append` writes whole lines and fsyncs them before it resolves, so an event it reports as
 *   spooled survives a crash of the process or the machine.
 * - The oldest segment is read back whole and deleted only once its events were delivered
 *   ({@link remove}): a crash in between sends them again (at-least-once; event_id deduplicates).
 * - Segments left by an earlier process are picked up at open; a write torn by a crash is skipped
 *   line by line when read, and new appends always go to a new segment.
 * - The size cap is enforced at append: what does not fit is refused and counted by the caller.
 *
 * Operations run one at a time, in call order.
 */
export class Spool<E> {
  private readonly segments: Segment[];
  private totalBytes: number;
  private nextId: number;
  private active: { segment: Segment; handle: FileHandle } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly segmentBytes: number;

  private constructor(
    private readonly options: SpoolOptions,
    private readonly unlock: ReleaseLock,
    found: Segment[],
  ) {
    this.segments = found;
    this.totalBytes = found.reduce((sum, s) => sum + s.bytes, 0);
    this.nextId = (found.at(-1)?.id ?? 0) + 1;
    this.segmentBytes = options.segmentBytes ?? 1_048_576;
  }

  /**
   * Opens (creating) the spool directory, locks it for this process and finds the segments earlier
   * processes left (after the lock: the segments of a live owner are not this process's to read).
   * Rejects with a ConfigError when the directory cannot be made or is in use by a live process.
   */
  static async open<E>(options: SpoolOptions): Promise<Spool<E>> {
    mkdirSync(options.dir, { recursive: true });
    const unlock = await lockDirectory(options.dir, options.inUseHint ?? 'give every process its own spool directory');
    try {
      return new Spool<E>(options, unlock, findSegments(options.dir));
    } catch (err) {
      await unlock();
      throw err;
    }
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Bytes on disk, torn tails included. */
  get bytes(): number {
    return this.totalBytes;
  }

  isEmpty(): boolean {
    return this.segments.length === 0;
  }

  /**
   * Appends as many of `events` as fit under the size cap, in order, and makes them durable.
   * @returns how many were written; the rest were refused because the spool is full.
   */
  append(events: readonly E[]): Promise<number> {
    return this.exclusive(async () => {
      if (this.closed) throw new UnavailableError('the spool is closed');
      const lines: Buffer[] = [];
      let size = 0;
      for (const event of events) {
        const line = encodeEventLine(event);
        if (this.totalBytes + size + line.length > this.options.maxBytes) break;
        lines.push(line);
        size += line.length;
      }
      if (lines.length === 0) return 0;
      const active = await this.activeSegment();
      try {
        await active.handle.write(Buffer.concat(lines, size));
        await active.handle.datasync();
      } catch (err) {
        // Part of the write may be on disk: account for it, and never append after a torn line.
        const onDisk = await active.handle.stat().then((s) => s.size, () => active.segment.bytes);
        this.grow(active.segment, onDisk - active.segment.bytes);
        await this.sealActive();
        throw err;
      }
      this.grow(active.segment, size);
      return lines.length;
    });
  }

  /** The oldest segment's events, or undefined when the spool is empty. Seals the segment if appends were going to it. */
  oldest(): Promise<SpooledSegment<E> | undefined> {
    return this.exclusive(async () => {
      for (;;) {
        const segment = this.segments[0];
        if (!segment) return undefined;
        if (this.active?.segment === segment) await this.sealActive();
        try {
          const decoded = decodeSegment<E>(await readFile(this.fileOf(segment.id)));
          return { id: segment.id, ...decoded };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          // Deleted behind our back: nothing to deliver from it.
          this.forget(segment);
        }
      }
    });
  }

  /** Deletes a segment whose events were delivered. */
  remove(id: number): Promise<void> {
    return this.exclusive(async () => {
      const segment = this.segments.find((s) => s.id === id);
      if (!segment) return;
      if (this.active?.segment === segment) await this.sealActive();
      await unlink(this.fileOf(id)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      this.forget(segment);
    });
  }

  /** Closes the segment being written and releases the directory. Safe to call twice. */
  close(): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.sealActive();
      await this.unlock();
    });
  }

  private async activeSegment(): Promise<{ segment: Segment; handle: FileHandle }> {
    if (this.active && this.active.segment.bytes < this.segmentBytes) return this.active;
    await this.sealActive();
    const segment: Segment = { id: this.nextId++, bytes: 0 };
    const handle = await open(this.fileOf(segment.id), 'a');
    await syncDirectory(this.options.dir);
    this.segments.push(segment);
    this.active = { segment, handle };
    return this.active;
  }

  private async sealActive(): Promise<void> {
    const active = this.active;
    this.active = undefined;
    await active?.handle.close();
    // A segment whose only write failed before reaching the disk holds nothing.
    if (active && active.segment.bytes === 0) {
      await unlink(this.fileOf(active.segment.id)).catch(() => undefined);
      this.forget(active.segment);
    }
  }

  private grow(segment: Segment, bytes: number): void {
    segment.bytes += bytes;
    this.totalBytes += bytes;
  }

  private forget(segment: Segment): void {
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
    this.totalBytes -= segment.bytes;
  }

  private fileOf(id: number): string {
    return path.join(this.options.dir, segmentFileName(id));
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** Makes a new file's directory entry durable, so that a segment survives a power loss, not only a crash. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the file's own fsync is what they offer.
  } finally {
    await handle?.close();
  }
}

/** The segments earlier processes left in `dir`, oldest first; empty ones (a crash between creating and writing) are removed. */
function findSegments(dir: string): Segment[] {
  const found: Segment[] = [];
  for (const name of readdirSync(dir)) {
    const id = segmentIdOf(name);
    if (id === undefined) continue;
    const file = path.join(dir, name);
    const bytes = statSync(file).size;
    if (bytes === 0) unlinkSync(file);
    else found.push({ id, bytes });
  }
  return found.sort((a, b) => a.id - b.id);
}

/**
 * The on-disk format of a spool segment: NDJSON, one event (any JSON value) per line, each line ending in "\n".
 * Files are named by a zero-padded sequence number, so that name order is age order.
 */
const SEGMENT_NAME = /^(\d{12})\.ndjson$/;

/** The file name of segment `id`, e.g. `000000000007.ndjson`. */
export function segmentFileName(id: number): string {
  return `${String(id).padStart(12, '0')}.ndjson`;
}

/** The segment id of a file name, or undefined for files that are not segments (the lock, strays). */
export function segmentIdOf(fileName: string): number | undefined {
  const match = SEGMENT_NAME.exec(fileName);
  return match ? Number(match[1]) : undefined;
}

/** Serialises events as segment lines; JSON escapes newlines inside strings, so one event is one line. */
export function encodeEventLine(event: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
}

export interface DecodedSegment<E> {
  events: E[];
  /**
   * Lines that could not be read back: a last line without its "\n" (a write cut short by a crash
   * or a full disk) or a line that is not JSON.
   */
  corruptLines: number;
}

/** Reads the events of a segment's bytes back, skipping (and counting) what a torn write left behind. */
export function decodeSegment<E>(bytes: Buffer): DecodedSegment<E> {
  const lines = bytes.toString('utf8').split('\n');
  // After the last "\n" there is nothing in a segment whose writes all completed; anything else is torn.
  const tail = lines.pop();
  const decoded: DecodedSegment<E> = { events: [], corruptLines: tail ? 1 : 0 };
  for (const line of lines) {
    if (line === '') continue;
    try {
      decoded.events.push(JSON.parse(line) as E);
    } catch {
      decoded.corruptLines++;
    }
  }
  return decoded;
}

/**
 * Timestamps of event logs as the order-event contract wants them: RFC 3339 with an offset. Logs
 * write them in many ways (XES: xs:dateTime; CSV exports: "2026-03-29 01:30:00", with or without an
 * offset). A timestamp without an offset is read in the time zone the user names: a local time is
 * ambiguous without one, and guessing the machine's zone would make an import depend on where it runs.
 */

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The timestamp as RFC 3339 with its offset, or why it is not one. */
export function logTimestamp(text: string, timeZone: string | undefined): { value: string } | { error: string } {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return { error: `"${text}" is not a timestamp; write it as 2026-03-29T01:30:00+01:00 (or 2026-03-29 01:30:00 with --time-zone)` };
  const [, y, mo, d, h, mi, s = '00', frac = '', zone] = m as unknown as [string, string, string, string, string, string, string | undefined, string | undefined, string | undefined];
  const local = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}`;
  if (zone !== undefined) return { value: `${local}${normaliseOffset(zone)}` };
  if (timeZone === undefined) return { error: `"${text}" has no time zone offset; pass --time-zone with the zone the log was written in (e.g. Europe/Amsterdam, or UTC)` };
  const minutes = offsetOfLocalTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), timeZone);
  if (minutes === undefined) return { error: `"${text}" does not exist in ${timeZone} (the clocks skipped it at a daylight saving change)` };
  return { value: `${local}${formatOffset(minutes)}` };
}

function normaliseOffset(zone: string): string {
  if (zone === 'Z' || zone === 'z') return 'Z';
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Whether `timeZone` is a zone this Node knows (IANA name or UTC). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The offset of `timeZone` from UTC at instant `ms`, in minutes. */
function offsetAt(timeZone: string, ms: number): number {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formats.set(timeZone, format);
  }
  const name = format.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * The offset at which the local time is read in `timeZone`: of the offsets in force a day either side
 * (the zone changes its offset at most once in that span), those that give back this local time. A
 * local time that occurs twice (clocks going back) is the first of the two, as people read the hour
 * before the change; one that never occurs (clocks going forward) is undefined.
 */
function offsetOfLocalTime(y: number, mo: number, d: number, h: number, mi: number, s: number, timeZone: string): number | undefined {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const day = 86_400_000;
  const candidates = [...new Set([offsetAt(timeZone, asUtc - day), offsetAt(timeZone, asUtc + day)])];
  const valid = candidates.filter((minutes) => offsetAt(timeZone, asUtc - minutes * 60_000) === minutes);
  return valid.length === 0 ? undefined : Math.max(...valid);
}

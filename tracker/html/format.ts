import { formatDuration } from '../../common';

const UNITS = [86_400, 3600, 60, 1];

/**
 * A duration for people: its two largest units (`3d4h`, `1h30m`, `2m15s`, `450ms`), the way
 * formatDuration writes them, instead of `3d4h12m37s`. A manager compares orders of magnitude, and a
 * percentile is not more exact than that anyway.
 */
export function roughDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return formatDuration(seconds);
  const largest = UNITS.findIndex((u) => seconds >= u);
  const unit = UNITS[Math.min(largest + 1, UNITS.length - 1)]!;
  return formatDuration(Math.round(seconds / unit) * unit);
}

/** 1234567 -> "1,234,567". */
export function formatCount(n: number | null): string {
  return n === null ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

/** 0.9731 -> "97.3%"; never shows 100% or 0% for a share that is not exactly that. */
export function formatShare(share: number | null): string {
  if (share === null || !Number.isFinite(share)) return '—';
  const text = (share * 100).toFixed(1);
  if (text === '100.0' && share < 1) return '>99.9%';
  if (text === '0.0' && share > 0) return '<0.1%';
  return `${text.replace(/\.0$/, '')}%`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-11-24T10:21:05Z" -> "Tue 24 Nov 2026, 10:21 UTC". */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${formatDate(d)} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

/** "2026-11-24T10:21:05Z" -> "Tue 24 Nov, 10:21": for tables under a heading that says UTC and the year. */
export function formatShortTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${formatDate(d)}, ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** "2026-11-23" (or a time) -> "Mon 23 Nov". */
export function formatDay(day: string): string {
  const d = new Date(day.length === 10 ? `${day}T00:00:00Z` : day);
  return Number.isNaN(d.getTime()) ? day : formatDate(d);
}

function formatDate(d: Date): string {
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

import { html, type SafeHtml } from './escape';
import { formatTime } from './format';

/**
 * A time to the second, as a developer reading an order's timeline needs it (the nine stays of an order
 * that went through in a minute all read "01:51 UTC" to the minute), with the milliseconds on hover
 * and the exact RFC 3339 value in `datetime`, for copying.
 */
export function exactTime(iso: string): SafeHtml {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return html`${iso}`;
  const seconds = String(d.getUTCSeconds()).padStart(2, '0');
  const millis = String(d.getUTCMilliseconds()).padStart(3, '0');
  // formatTime ends "hh:mm UTC": the seconds go between the minutes and the zone.
  const toMinute = formatTime(iso).replace(/ UTC$/, '');
  return html`<time datetime="${iso}" title="${toMinute}:${seconds}.${millis} UTC">${toMinute}:${seconds} UTC</time>`;
}

/** A value of a CSV cell: numbers are written in plain decimal, null as an empty field. */
export type CsvValue = string | number | null;

/**
 * A table as CSV per RFC 4180: records end with CRLF (the last one too), the first record is the
 * header, and a field that holds a comma, a double quote, CR or LF is enclosed in double quotes with
 * its double quotes doubled. Numbers are rounded to the microsecond (float noise such as
 * 0.30000000000000004 would only confuse a spreadsheet).
 *
 * Text cells carry user data (segments, operator ids), and a spreadsheet runs a cell that starts with
 * `=`, `+`, `-`, `@`, a tab or a CR as a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`): such a
 * string is written with a single quote `'` before it, as OWASP recommends against CSV injection, so
 * that the spreadsheet shows it as text (`'=1+1`), then quoted as above. Numbers are never prefixed: a
 * negative number stays a number.
 */
export function toCsv(columns: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [columns, ...rows].map((record) => `${record.map(csvField).join(',')}\r\n`).join('');
}

// What a spreadsheet reads as the start of a formula (or, for tab and CR, skips on its way to one).
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: CsvValue): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? plainNumber(value) : FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A number without exponent notation, at most 6 decimals, no trailing zeros. */
function plainNumber(n: number): string {
  if (!Number.isFinite(n)) return '';
  const fixed = n.toFixed(6);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** A value of a CSV cell: numbers are written in plain decimal, null as an empty field. */
export type CsvValue = string | number | null;

/**
 * A table as CSV per RFC 4180: records end with CRLF (the last one too), the first record is the
 * header, and a field that holds a comma, a double quote, CR or LF is enclosed in double quotes with
 * its double quotes doubled. Numbers are rounded to the microsecond (float noise such as
 * 0.30000000000000004 would only confuse a spreadsheet).
 */
export function toCsv(columns: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [columns, ...rows].map((record) => `${record.map(csvField).join(',')}\r\n`).join('');
}

function csvField(value: CsvValue): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? plainNumber(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A number without exponent notation, at most 6 decimals, no trailing zeros. */
function plainNumber(n: number): string {
  if (!Number.isFinite(n)) return '';
  const fixed = n.toFixed(6);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

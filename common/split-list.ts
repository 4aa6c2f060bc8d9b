/** The items of a comma-separated list (`NEW=placed, QUOTE=quote_requested`), trimmed, empty ones left out. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

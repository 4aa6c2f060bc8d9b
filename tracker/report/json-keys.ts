/**
 * The report's JSON uses snake_case keys like the rest of the API, while the TypeScript structure is
 * camelCase. Converting keys generically keeps one definition of the shape (types.ts) instead of a
 * hand-written mapping per field; the report has no object keyed by user data (lists are arrays of
 * rows), so only field names are ever converted.
 */
export function snakeKeys(value: unknown): unknown {
  return mapKeys(value, (key) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase());
}

/** The inverse of {@link snakeKeys}: a report read back from the JSON API. */
export function camelKeys(value: unknown): unknown {
  return mapKeys(value, (key) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
}

function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, rename));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), mapKeys(v, rename)]));
  }
  return value;
}

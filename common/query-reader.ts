import { ValidationError } from './errors';
import { printable, unstorableText } from './storable-text';

/** Reads one parameter of a query string: its text, or undefined when it is absent. */
export type QueryText = (key: string) => string | undefined;

/**
 * Reads a query string (as express's simple parser gives it) whose parameters are `parameters`.
 * Refuses any other parameter (a misspelt filter would otherwise silently be ignored), a value given
 * twice, and text that PostgreSQL cannot store (U+0000, a lone surrogate: it would reach the database
 * and fail there as a 500). Every refusal is a {@link ValidationError} that names the parameter and
 * says what to write. The API's lists, its reports and the CLI's report options all read through here.
 */
export function queryReader(query: Record<string, unknown>, parameters: readonly string[]): QueryText {
  for (const key of Object.keys(query)) {
    if (!parameters.includes(key)) throw new ValidationError(`unknown query parameter "${printable(key)}" (the parameters are: ${parameters.join(', ')})`);
  }
  return (key) => {
    const value = query[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new ValidationError(`${key}: give it once, as a plain value`);
    const problem = unstorableText(value);
    if (problem !== undefined) throw new ValidationError(`${key}: ${problem}`);
    return value;
  };
}


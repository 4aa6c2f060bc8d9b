/**
 * Strings PostgreSQL can store in text and jsonb: no U+0000 (text cannot hold it, jsonb refuses the
 * \u0000 escape) and no lone surrogate (not a character, so it has no UTF-8: the driver would store
 * U+FFFD instead, and jsonb refuses the escape). Paired surrogates (emoji, astral characters) are fine.
 * The event contract and every query or path parameter of the APIs check their text with this one rule,
 * so that no input reaches the database as an "invalid byte sequence" (a 500) instead of a 400.
 */

export const NUL_MESSAGE = 'must not contain U+0000 (NUL)';
export const LONE_SURROGATE_MESSAGE = 'must not contain a lone surrogate (invalid UTF-16)';

// With the u flag, a surrogate pair is one code point, so this matches only surrogates without a partner.
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Why PostgreSQL cannot store `text` (one of the two messages above), or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(text)) return LONE_SURROGATE_MESSAGE;
  return undefined;
}

/**
 * Text from the input as it may appear in a message: control characters and lone surrogates as
 * \uXXXX, so that a message is always printable and itself storable (logs, the store, JSON answers).
 */
export function printable(text: string): string {
  return text.replace(/\p{Cc}|\p{Surrogate}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

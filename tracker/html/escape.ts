/**
 * Markup that is safe to put in a page as it is: built by {@link html} (which escaped every value) or
 * by our own chart code. Anything else that reaches a page is text and gets escaped, so that an order
 * id or an operator id (user data) can never become markup.
 */
export class SafeHtml {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML or SVG text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A value inside {@link html}: SafeHtml as it is, arrays joined, null/undefined/false as nothing, the rest escaped text. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * A tagged template for HTML and SVG: `html\`<td>${orderId}</td>\`` escapes `orderId`, while nested
 * `html` results and arrays of them are kept as markup. The only way pages are built, so escaping is
 * the default rather than something to remember.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** A URL for an href: escaped as an attribute, and only http(s) or a path of this server (no javascript:). */
export function safeHref(url: string): string {
  return /^(https?:\/\/|\/(?!\/)|\?|#)/i.test(url) ? url : '#';
}

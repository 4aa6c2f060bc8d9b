import { html, safeHref, SafeHtml, type HtmlValue } from './escape';

/**
 * What a page may load: nothing but its own inline styles and data: images, and forms only back to
 * this server. The pages have no script at all; the policy makes sure nothing sneaks one in, and it
 * travels with a report saved to a file, as a meta tag.
 */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'";

/** The Content-Security-Policy header of served pages: the page's policy, and no framing (which a meta tag cannot say). */
export const CONTENT_SECURITY_POLICY = `${PAGE_POLICY}; frame-ancestors 'none'`;

const STYLE = `
:root { --ink:#111827; --text:#374151; --muted:#6b7280; --line:#e5e7eb; --bg:#f3f4f6; --card:#fff; --accent:#1d4ed8;
  --ok:#15803d; --warn:#b45309; --bad:#b91c1c; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:15px/1.5 system-ui, -apple-system, "Segoe UI", "Liberation Sans", Arial, sans-serif; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
.top { background:#0f172a; color:#e5e7eb; }
.top .wrap { display:flex; align-items:center; gap:24px; padding-top:12px; padding-bottom:12px; }
.brand { color:#fff; font-weight:700; font-size:18px; letter-spacing:.3px; }
.top nav { display:flex; gap:18px; flex-wrap:wrap; font-size:14px; } .top nav a { color:#cbd5e1; }
.wrap { max-width:1080px; margin:0 auto; padding:0 20px; }
main { padding:24px 0 40px; }
h1 { color:var(--ink); font-size:28px; margin:0 0 4px; }
h2 { color:var(--ink); font-size:20px; margin:0 0 4px; }
.sub { color:var(--muted); margin:0 0 20px; }
.muted { color:var(--muted); font-size:12.5px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:20px 20px 16px; margin:0 0 20px; break-inside:avoid; overflow-x:auto; }
.card > p.intro { color:var(--muted); margin:0 0 14px; font-size:14px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit, minmax(155px, 1fr)); gap:12px; margin:0 0 20px; }
.kpi { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 16px; }
.kpi .label { color:var(--muted); font-size:13px; }
.kpi .value { color:var(--ink); font-size:26px; font-weight:700; line-height:1.25; }
.kpi .note { color:var(--muted); font-size:12.5px; }
.kpi.good .value { color:var(--ok); } .kpi.warn .value { color:var(--warn); } .kpi.bad .value { color:var(--bad); }
ul.highlights { margin:0; padding-left:20px; } ul.highlights li { margin:4px 0; }
table { border-collapse:collapse; width:100%; font-size:14px; }
th { text-align:left; color:var(--muted); font-weight:600; font-size:12.5px; text-transform:uppercase; letter-spacing:.4px; border-bottom:2px solid var(--line); padding:6px 10px; }
td { border-bottom:1px solid var(--line); padding:7px 10px; vertical-align:baseline; }
tbody tr:nth-child(even) td { background:#f9fafb; }
th.num, td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.id { font-family:ui-monospace, "Liberation Mono", Menlo, monospace; font-size:13px; white-space:nowrap; }
.empty { color:var(--muted); font-style:italic; padding:8px 0; }
.notice { background:#eff6ff; border:1px solid #bfdbfe; color:#1e3a8a; border-radius:10px; padding:16px 18px; margin:0 0 20px; }
.badge { display:inline-block; border-radius:999px; padding:1px 9px; font-size:12px; font-weight:600; background:#e5e7eb; color:#374151; }
.badge.stuck { background:#fef3c7; color:#92400e; } .badge.lost { background:#fee2e2; color:#991b1b; }
.badge.recovered { background:#dcfce7; color:#166534; } .badge.done { background:#e0e7ff; color:#3730a3; } .badge.open { background:#dbeafe; color:#1e40af; }
.good { color:var(--ok); } .warn { color:var(--warn); } .bad { color:var(--bad); }
.chart { display:block; max-width:100%; height:auto; margin:4px 0 8px; }
.chart text { font-family:system-ui, "Liberation Sans", Arial, sans-serif; fill:#374151; }
.chart .label { font-size:13px; font-weight:600; fill:#111827; } .chart .caption { font-size:12.5px; }
.chart .tick { font-size:11.5px; fill:#6b7280; } .chart .legend { font-size:12.5px; }
.chart .marker { font-size:12px; font-weight:600; fill:#111827; paint-order:stroke; stroke:#fff; stroke-width:4px; stroke-linejoin:round; }
.links a { margin-right:16px; white-space:nowrap; }
footer { color:var(--muted); font-size:12.5px; padding:0 20px 30px; }
form.login { display:flex; gap:10px; margin-top:12px; } form.login input { flex:1; font:inherit; padding:8px 10px; border:1px solid #cbd5e1; border-radius:8px; }
form.order-search { margin-left:auto; display:flex; gap:6px; } form.order-search input { font:inherit; font-size:14px; padding:4px 8px; border:1px solid #475569; border-radius:6px; background:#1e293b; color:#f8fafc; width:200px; }
form.order-search button { font:inherit; font-size:14px; padding:4px 10px; border:0; border-radius:6px; background:#334155; color:#f8fafc; cursor:pointer; }
code.trace { font-family:ui-monospace, "Liberation Mono", Menlo, monospace; font-size:12.5px; user-select:all; word-break:break-all; }
form.login button { font:inherit; padding:8px 16px; border:0; border-radius:8px; background:var(--accent); color:#fff; cursor:pointer; }
.error { color:var(--bad); }
@media print { body { background:#fff; } .top nav { display:none; } .card, .kpi { border-color:#d1d5db; } }
`;

/** Our own constant, not data: markup as it is. */
const STYLESHEET = new SafeHtml(STYLE);

export interface PageOptions {
  readonly title: string;
  readonly body: HtmlValue;
  /** Links in the top bar; none for a report saved to a file. */
  readonly nav?: readonly { readonly href: string; readonly label: string }[];
  /** Where the brand links to; not a link when absent. */
  readonly homeHref?: string;
  /** Reload the page every so many seconds (a wall display of the home page). */
  readonly refreshSeconds?: number;
  readonly footer?: HtmlValue;
  /** A box in the top bar that opens an order by its id: a GET form to this path (the tracker's pages). */
  readonly orderSearch?: string;
}

/** A whole HTML document in orderscope's style: inline CSS, no script, the CSP as a meta tag. */
export function renderPage(options: PageOptions): string {
  const brand = options.homeHref === undefined ? html`<span class="brand">orderscope</span>` : html`<a class="brand" href="${safeHref(options.homeHref)}">orderscope</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${PAGE_POLICY}">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>${options.title}</title>
<style>${STYLESHEET}</style>
</head>
<body>
<header class="top"><div class="wrap">${brand}<nav>${(options.nav ?? []).map((l) => html`<a href="${safeHref(l.href)}">${l.label}</a>`)}</nav>${options.orderSearch === undefined ? '' : orderSearchForm(options.orderSearch)}</div></header>
<main class="wrap">
${options.body}
</main>
<footer class="wrap">${options.footer ?? ''}</footer>
</body>
</html>
`.markup;
}

/** The order-id box of the top bar: GET `action?id=...`, which opens that order's page. */
function orderSearchForm(action: string): SafeHtml {
  return html`<form class="order-search" role="search" method="get" action="${safeHref(action)}"><input name="id" type="search" placeholder="Order id" aria-label="Order id" required maxlength="128"><button type="submit">Open</button></form>`;
}

/** A headline figure. `tone` colours the value: good (green), warn (amber), bad (red). */
export interface Kpi {
  readonly label: string;
  readonly value: string;
  readonly note?: string;
  readonly tone?: 'good' | 'warn' | 'bad';
}

export function kpis(items: readonly Kpi[]): SafeHtml {
  return html`<div class="kpis">${items.map(
    (k) => html`<div class="kpi ${k.tone ?? ''}"><div class="label">${k.label}</div><div class="value">${k.value}</div>${k.note ? html`<div class="note">${k.note}</div>` : ''}</div>`,
  )}</div>`;
}

/** A column of {@link dataTable}: numeric columns are right-aligned, id columns monospaced. */
export interface Column {
  readonly title: string;
  readonly kind?: 'text' | 'num' | 'id';
}

/** A table, or `emptyText` in its place when there are no rows. */
export function dataTable(columns: readonly Column[], rows: readonly (readonly HtmlValue[])[], emptyText: string): SafeHtml {
  if (rows.length === 0) return html`<p class="empty">${emptyText}</p>`;
  const cls = (c: Column | undefined) => (c?.kind === 'num' ? 'num' : c?.kind === 'id' ? 'id' : '');
  return html`<table><thead><tr>${columns.map((c) => html`<th class="${cls(c)}">${c.title}</th>`)}</tr></thead><tbody>${rows.map(
    (row) => html`<tr>${row.map((cell, i) => html`<td class="${cls(columns[i])}">${cell}</td>`)}</tr>`,
  )}</tbody></table>`;
}

/** A titled card: a section of a page. */
export function card(title: string, intro: HtmlValue, content: HtmlValue, id?: string): SafeHtml {
  return html`<section class="card"${id ? html` id="${id}"` : ''}><h2>${title}</h2>${intro ? html`<p class="intro">${intro}</p>` : ''}${content}</section>`;
}

/** An order status as a coloured badge. */
export function statusBadge(status: string | null): SafeHtml {
  return status === null ? html`—` : html`<span class="badge ${/^[a-z_]+$/.test(status) ? status : ''}">${status}</span>`;
}

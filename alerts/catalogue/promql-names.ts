/*
 * Metric names in PromQL expressions (and in Grafana's queries, which add $variables and
 * label_values()), for the catalogue check: every name a rule or panel reads must be a metric the
 * services declare. A small tokenizer, not a parser: it removes what cannot be a metric name
 * (strings, label matchers, ranges, grouping label lists, numbers and durations, variables) and keeps
 * the identifiers that are neither functions (followed by "(") nor keywords.
 */

const KEYWORDS = new Set([
  'and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'inf', 'nan', 'atan2',
].map((k) => k.toLowerCase()));

const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi;
const TOKEN = /[A-Za-z_:][A-Za-z0-9_:]*|\d[\dA-Za-z_.]*(?:[eE][+-]?\d+)?|\S/g;

/** The metric names an expression reads, sorted and unique. */
export function metricNamesIn(expr: string): string[] {
  const s = expr
    // Grafana variables: ${var}, ${var:format}, $var, $__rate_interval, [[var]].
    .replace(/\$\{[^}]*\}|\$\w+|\[\[\w+\]\]/g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/#[^\n]*/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(GROUPING, ' ')
    // Grafana's label_values(selector, label) and label_values(label): the label is not a metric.
    .replace(/\blabel_values\s*\(([^,()]*),\s*[A-Za-z_]\w*\s*\)/g, '($1)')
    .replace(/\blabel_values\s*\(\s*[A-Za-z_]\w*\s*\)/g, ' ');
  const tokens = s.match(TOKEN) ?? [];
  const names = new Set<string>();
  tokens.forEach((token, i) => {
    if (!/^[A-Za-z_:]/.test(token) || KEYWORDS.has(token.toLowerCase())) return;
    if (tokens[i + 1] === '(') return; // a function or an aggregation: sum(...), rate(...)
    names.add(token);
  });
  return [...names].sort();
}

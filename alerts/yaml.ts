import { stringify } from 'yaml';

/** YAML with a comment header; long lines are never folded, multi-line strings become block scalars. */
export function renderYaml(header: readonly string[], value: unknown): string {
  const comments = header.map((line) => (line ? `# ${line}` : '#')).join('\n');
  return `${comments}\n${stringify(value, { lineWidth: 0 })}`;
}

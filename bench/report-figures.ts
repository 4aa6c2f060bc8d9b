/** Prints a benchmark's figure beside its baseline and the ratio, in one aligned block. */
export function printFigures(title: string, rows: { label: string; value: number; unit: string }[], ratio: { label: string; value: number }): void {
  const width = Math.max(...rows.map((r) => r.label.length));
  console.log(`\n${title}`);
  for (const r of rows) console.log(`  ${r.label.padEnd(width)}  ${formatNumber(r.value)} ${r.unit}`);
  console.log(`  ${ratio.label}: ${ratio.value.toFixed(3)}`);
}

function formatNumber(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

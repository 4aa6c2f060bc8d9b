/**
 * Reads series of a service's /metrics, asking only for the metrics named (`?name[]=`): a bench that
 * polls its progress many times a second then costs the service a few counters, not the gauges that
 * read the database on every scrape, which a real Prometheus runs once in 15 s.
 *
 * @returns a reader of the scraped series: `value('a_total')`, `value('h_count{state="x"}')`; 0 when absent
 */
export async function scrape(baseUrl: string, metricNames: readonly string[]): Promise<(series: string) => number> {
  const query = metricNames.map((name) => `name[]=${encodeURIComponent(name)}`).join('&');
  const lines = (await (await fetch(`${baseUrl}/metrics?${query}`)).text()).split('\n');
  return (series) => {
    const line = lines.find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
}

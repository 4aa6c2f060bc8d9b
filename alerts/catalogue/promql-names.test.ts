import { metricNamesIn } from './promql-names';

describe('metric names in a PromQL expression', () => {
  it('are the selectors, not functions, aggregations, label names, ranges or numbers', () => {
    expect(metricNamesIn('sum by (state, reason) (increase(orderscope_orders_lost_total{job=~"x",state="placed"}[10m])) > 0')).toEqual([
      'orderscope_orders_lost_total',
    ]);
    expect(metricNamesIn('histogram_quantile(0.99, sum(rate(a_seconds_bucket[5m])) by (le)) > 1e3')).toEqual(['a_seconds_bucket']);
  });

  it('include recording rule names (with colons) and every operand of binary operations', () => {
    expect(metricNamesIn('state:x:ratio_rate1h{state="a"} > (14.4 * 0.01)\nand\nstate:x_count:increase1h{state="a"} >= 20')).toEqual([
      'state:x:ratio_rate1h',
      'state:x_count:increase1h',
    ]);
    expect(metricNamesIn('absent(x{state="a"}) and on () (max(up{job=~"t"}) == 1)')).toEqual(['up', 'x']);
    expect(metricNamesIn('a / on (job) group_left (instance) b or c unless d')).toEqual(['a', 'b', 'c', 'd']);
    expect(metricNamesIn('a offset 5m / ignoring (le) b > bool 2')).toEqual(['a', 'b']);
  });

  it('ignore strings, subquery steps and functions without metrics', () => {
    expect(metricNamesIn('label_replace(a, "dst", "$1", "src", "fake_metric(.*)")')).toEqual(['a']);
    expect(metricNamesIn('max_over_time(rate(b[5m])[1h:1m])')).toEqual(['b']);
    expect(metricNamesIn('vector(1) + time()')).toEqual([]);
  });

  it("ignore Grafana's variables and the label argument of label_values()", () => {
    expect(metricNamesIn('sum(rate(c_total{job=~"$tracker_job"}[$__rate_interval])) / ${scale}')).toEqual(['c_total']);
    expect(metricNamesIn('label_values(up{job=~".+"}, job)')).toEqual(['up']);
    expect(metricNamesIn('label_values(job)')).toEqual([]);
  });
});

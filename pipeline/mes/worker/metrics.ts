import { Counter, Histogram, type Registry } from 'prom-client';
import { CACHE_RESULTS, type CacheResult } from '../pricing/price-cache';

/** The pricing worker's metric catalogue (besides the shared pipeline metrics). */
export const PRICING_METRICS = {
  cacheLookups: {
    name: 'orderscope_pricing_cache_lookups_total',
    help: 'Prices looked up, by result: hit (from the cache), miss (priced, then cached), error (priced, the cache failed), off (the pricingCache toggle is off).',
    labelNames: ['result'],
  },
  analyses: {
    name: 'orderscope_pricing_analyses_total',
    help: 'Cost analyses computed (CPU work). With the cache on, at most one per distinct part.',
  },
  analysisDuration: {
    name: 'orderscope_pricing_analysis_seconds',
    help: 'Time one cost analysis took on a pricing thread, waiting for a free thread included.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
} as const;

export class PricingMetrics {
  readonly cacheLookups: Counter<'result'>;
  readonly analyses: Counter;
  readonly analysisDuration: Histogram;

  constructor(registry: Registry) {
    const m = PRICING_METRICS;
    const registers = [registry];
    this.cacheLookups = new Counter({ ...m.cacheLookups, labelNames: [...m.cacheLookups.labelNames], registers });
    this.analyses = new Counter({ ...m.analyses, registers });
    this.analysisDuration = new Histogram({ ...m.analysisDuration, buckets: [...m.analysisDuration.buckets], registers });
    for (const result of CACHE_RESULTS) this.cacheLookups.inc({ result: result satisfies CacheResult }, 0);
  }
}

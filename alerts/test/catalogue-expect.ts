import { describeUnknownMetrics, type UnknownMetric } from '../catalogue/metric-catalogue';

/** Fails listing every undeclared metric and where it is used. */
export function expectAllDeclared(unknown: readonly UnknownMetric[]): void {
  if (unknown.length > 0) throw new Error(describeUnknownMetrics(unknown));
}

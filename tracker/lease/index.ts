/**
 * The lease of a tracker instance name: one live process per name exports its duration histograms
 * and adds to its totals in the store.
 */
export { createInstanceLease, describeHolder, InstanceTakenError } from './instance-lease';
export type { InstanceLease, InstanceLeaseOptions } from './instance-lease';
export { createInstanceCleanup, INSTANCE_CLEANUP_INTERVAL_MS } from './instance-cleanup';
export type { InstanceCleanupOptions } from './instance-cleanup';

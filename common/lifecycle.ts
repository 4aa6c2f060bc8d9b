/**
 * How long a graceful stop (SIGTERM, SIGINT) of any orderscope process may take before the process
 * gives up and exits 1: the collector, the tracker and the pipeline's services. A supervisor must
 * allow at least this long before it kills (Kubernetes: terminationGracePeriodSeconds, which the
 * generated manifests derive from it).
 */
export const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * The probe endpoints every orderscope server serves without a token: `live` answers 200 while the
 * process runs, `ready` while it can do its work (its database, bus or broker reachable). Health
 * checks of docker-compose.yml and the Kubernetes probes use these paths.
 */
export const PROBE_PATHS = { live: '/healthz', ready: '/readyz' } as const;

/**
 * The Kubernetes manifests of orderscope, generated: a kustomize base (the collector, the trackers,
 * the pipeline's services, their Services, ServiceMonitors, the alert rules as a PrometheusRule, the
 * dashboards for Grafana's sidecar) and the `dev` and `production` overlays (KEDA autoscaling,
 * PodDisruptionBudgets). Output: deploy/kubernetes/ (`orderscope generate`); how to apply them:
 * README.md, "Run on Kubernetes".
 */
export { kubernetesFiles, KUBERNETES_DIR, OVERLAYS } from './generate';
export type { KubernetesInputs, ManifestFile, OverlayName } from './generate';
export { loadModels, validateObject } from './models';
export type { KubeObject, Models } from './models';
export { MEASURED, DRAIN_SECONDS, PRICING_THREADS, thresholds } from './capacity';
export { PRODUCTION_BOUNDS, PROMETHEUS_URL, collectorRequestRateQuery } from './autoscaling';
export { workloads, secretKeys, AGENT_LABEL, JOB_LABEL, SECRET, ENVIRONMENT_CONFIG_MAP, TERMINATION_GRACE_SECONDS, PRE_STOP_SECONDS, IMAGE_UID } from './workloads';
export type { Workload } from './workloads';
export { DASHBOARD_LABEL } from './monitoring';
export { CONTAINER_SECURITY_CONTEXT, PART_OF, PORT_NAME, collectorNetworkPolicy, environmentData, fromEnvironment, fromSecret, optionEnv, workloadObjects } from './workloads';

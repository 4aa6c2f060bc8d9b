/**
 * The typed, schema-validating Kubernetes, KEDA and Prometheus Operator models (kubernetes-models and
 * its KEDA and prometheus-operator packages). They are ES modules only, so this CommonJS project loads
 * them with `import()`: the generator builds every object with them and validates it, and the test
 * validates every object that `kubectl kustomize` renders with the same classes.
 */
export async function loadModels() {
  // One after the other: Jest's ES module loader (the unit tests) fails on modules that share a
  // dependency when they are imported at once ("request for './formats.js' is not in cache").
  const { Namespace } = await import('kubernetes-models/v1/Namespace');
  const { ConfigMap } = await import('kubernetes-models/v1/ConfigMap');
  const { Service } = await import('kubernetes-models/v1/Service');
  const { Deployment } = await import('kubernetes-models/apps/v1/Deployment');
  const { StatefulSet } = await import('kubernetes-models/apps/v1/StatefulSet');
  const { PodDisruptionBudget } = await import('kubernetes-models/policy/v1/PodDisruptionBudget');
  const { NetworkPolicy } = await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy');
  const { Ingress } = await import('kubernetes-models/networking.k8s.io/v1/Ingress');
  const { Job } = await import('kubernetes-models/batch/v1/Job');
  const { ScaledObject } = await import('@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject');
  const { ServiceMonitor } = await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor');
  const { PrometheusRule } = await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule');
  return { Namespace, ConfigMap, Service, Deployment, StatefulSet, PodDisruptionBudget, NetworkPolicy, Ingress, Job, ScaledObject, ServiceMonitor, PrometheusRule };
}

export type Models = Awaited<ReturnType<typeof loadModels>>;

/** A Kubernetes object: what every model serialises to, and what `kubectl kustomize` prints. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Validates `object` against the JSON schema of its kind with the model class of its apiVersion and
 * kind; throws the schema's message (with the object's kind and name) when it does not conform, or
 * when no model of `models` has that apiVersion and kind.
 */
export function validateObject(models: Models, object: KubeObject): void {
  const model = Object.values(models).find((m) => m.apiVersion === object.apiVersion && m.kind === object.kind);
  if (!model) throw new Error(`${object.kind} ${object.metadata.name}: no model for ${object.apiVersion} ${object.kind}`);
  try {
    new (model as unknown as new (data: unknown) => { validate(): void })(object).validate();
  } catch (err) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${(err as Error).message}`, { cause: err });
  }
}

#!/usr/bin/env bash
# deploy/ci/preview-remove.sh BRANCH — removes the preview environment of BRANCH, in the order that
# `orderscope deploy preview --delete` lists: its workloads stop, a Job drops its databases, vhost,
# topic and consumer group from the shared servers, then its namespace goes with everything in it.
# An example used by deploy/ci/preview.yml; needs kubectl (with KUBECONFIG) and docker, logged in to
# the registry. The clean-up runs the image the preview itself runs (it exists: the preview pulled it).
set -euo pipefail
branch="${1:?usage: preview-remove.sh BRANCH}"
namespace=$(kubectl get namespaces -l orderscope/preview=true \
  -o jsonpath="{range .items[?(@.metadata.annotations.orderscope/branch=='$branch')]}{.metadata.name}{end}")
if [[ -z "$namespace" ]]; then
  echo "no preview of $branch: nothing to remove"
  exit 0
fi
image=$(kubectl -n "$namespace" get statefulset tracker -o jsonpath='{.spec.template.spec.containers[0].image}')

docker run --rm "$image" deploy preview --branch "$branch" --image "$image" --delete >cleanup.yaml
kubectl -n "$namespace" scale deployment,statefulset --all --replicas=0
# "no matching resources" once every pod is gone is the state we wait for.
kubectl -n "$namespace" wait --for=delete pod -l orderscope/preview=true --timeout=5m || true
kubectl apply -f cleanup.yaml
kubectl -n "$namespace" wait --for=condition=complete job/preview-cleanup --timeout=10m
kubectl delete namespace "$namespace"
echo "removed the preview of $branch (namespace $namespace)"

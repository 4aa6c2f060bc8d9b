#!/usr/bin/env bash
# deploy/ci/preview-remove.sh BRANCH — removes the preview environment of BRANCH, in the order that
# `orderscope deploy preview --delete` lists: its workloads stop, a Job drops its databases, vhost,
# topic and consumer group from the shared servers, then its namespace goes with everything in it.
# An example used by deploy/ci/preview.yml; needs kubectl (with KUBECONFIG) and docker. IMAGE is the
# image's name without a tag (its :main tag runs the clean-up).
set -euo pipefail
branch="${1:?usage: preview-remove.sh BRANCH}"
image="${IMAGE:?set IMAGE to the orderscope image, e.g. ghcr.io/acme/orderscope}:main"

docker run --rm "$image" deploy preview --branch "$branch" --image "$image" --delete >cleanup.yaml
namespace=$(awk '/^  namespace: /{print $2; exit}' cleanup.yaml)
if ! kubectl get namespace "$namespace" >/dev/null 2>&1; then
  echo "no preview of $branch (namespace $namespace): nothing to remove"
  exit 0
fi
kubectl -n "$namespace" scale deployment,statefulset --all --replicas=0
kubectl -n "$namespace" wait --for=delete pod -l orderscope/preview=true --timeout=5m
kubectl apply -f cleanup.yaml
kubectl -n "$namespace" wait --for=condition=complete job/preview-cleanup --timeout=10m
kubectl delete namespace "$namespace"
echo "removed the preview of $branch (namespace $namespace)"

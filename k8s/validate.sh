#!/usr/bin/env bash
# Renders every overlay with kustomize and validates each object offline against the Kubernetes JSON
# schemas (npm package kubernetes-models) plus SwarmCluster's rules. Needs kubectl (kustomize built in)
# and node/npm; no cluster, no network beyond the npm registry for the first install.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if command -v kubectl >/dev/null 2>&1; then
  render() { kubectl kustomize "$1"; }
elif command -v kustomize >/dev/null 2>&1; then
  render() { kustomize build "$1"; }
else
  echo "validate.sh: needs kubectl (with built-in kustomize) or kustomize on PATH" >&2
  exit 1
fi

if [ ! -d "$here/tools/node_modules/kubernetes-models" ]; then
  (cd "$here/tools" && { [ -f package-lock.json ] && npm ci --no-audit --no-fund --silent || npm install --no-audit --no-fund --silent; })
fi

status=0
for overlay in "$here"/overlays/*/; do
  name="$(basename "$overlay")"
  extra=()
  # prod expects the Secret to be created out of band (see overlays/prod/kustomization.yaml).
  [ "$name" = prod ] && extra=(--external-secret swarmcluster-secrets --external-secret swarmcluster-tls)
  if ! rendered="$(render "$overlay")"; then
    echo "overlay $name: kustomize failed" >&2; status=1; continue
  fi
  printf '%s\n' "$rendered" | node "$here/tools/validate.mjs" --overlay "$name" "${extra[@]}" || status=1
done
exit $status

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
  # prod expects its Secrets to be created out of band (see overlays/prod/kustomization.yaml).
  [ "$name" = prod ] && extra=(--external-secret swarmcluster-secrets --external-secret swarmcluster-tls
    --external-secret swarmcluster-auth --external-secret swarmcluster-silo-tls)
  if ! rendered="$(render "$overlay")"; then
    echo "overlay $name: kustomize failed" >&2; status=1; continue
  fi
  printf '%s\n' "$rendered" | node "$here/tools/validate.mjs" --overlay "$name" "${extra[@]}" || status=1
done

# The checks must be able to fail: each overlay under tools/broken breaks one security rule, and must be refused
# with the message in its expect.txt.
for broken in "$here"/tools/broken/*/; do
  name="broken/$(basename "$broken")"
  expected="$(cat "$broken/expect.txt")"
  if ! rendered="$(render "$broken")"; then
    echo "overlay $name: kustomize failed" >&2; status=1; continue
  fi
  if output="$(printf '%s\n' "$rendered" | node "$here/tools/validate.mjs" --overlay "$name" --external-secret swarmcluster-secrets 2>&1)"; then
    echo "overlay $name: accepted, but it must be refused ($expected)" >&2; status=1
  elif ! grep -qF -- "$expected" <<<"$output"; then
    echo "overlay $name: refused, but not for '$expected':" >&2; echo "$output" >&2; status=1
  else
    echo "overlay $name: refused as it must be ($expected)"
  fi
done
exit $status

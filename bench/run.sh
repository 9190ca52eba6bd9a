#!/usr/bin/env bash
# SwarmCluster vs ruv-swarm 1.0.20, in one command: installs the peer and the MCP client (npm, into a temporary
# directory), libfann-dev if its headers are missing, builds our gateway (Release), the C loop and the neural
# console, runs every row and writes docs/benchmarks.md + bench/results/benchmarks.json.
#
#   bench/run.sh              full run (about 10 minutes on 2 cores, plus first-time npm install and builds)
#   bench/run.sh --smoke      tiny counts, same code paths, for CI; never asserts figures; writes bench/results/smoke/
#   options: --rows 1,2,...   only these rows      --artifacts DIR   build into DIR (dotnet --artifacts-path)
#            --keep           keep the temporary directory (logs, data dirs)
# Environment: BENCH_NPM_DIR  where the npm packages go (default: a per-version directory under /tmp, reused).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

RUV_SWARM_VERSION=1.0.20
MCP_SDK_VERSION=1.32.2
smoke=0; rows="1,2,3,4,5,6,7,8,9,10"; artifacts=""; keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --rows) rows="$2"; shift ;;
    --artifacts) artifacts="$2"; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "[run.sh $(date +%H:%M:%S)] $*" >&2; }
started=$(date +%s)
tmp="$(mktemp -d /tmp/swarmcluster-bench.XXXXXX)"
bench_pid=""
cleanup() {
  [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null || true
  if [ "$keep" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- prerequisites ---------------------------------------------------------------------------------------
for tool in node npm gcc dotnet; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is required (scripts/prereqs.sh test installs node/npm)" >&2; exit 1; }
done
if [ ! -f /usr/include/fann.h ] || ! ldconfig -p | grep -q libfloatfann.so.2; then
  log "installing libfann-dev (headers and libfloatfann for the C loop)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libfann-dev libfann2 >/dev/null
fi

# ---- npm: the peer and the client, outside the repo and outside the npx cache ---------------------------
npm_dir="${BENCH_NPM_DIR:-/tmp/swarmcluster-bench-npm-$RUV_SWARM_VERSION-$MCP_SDK_VERSION}"
stamp="$npm_dir/.installed"
if [ ! -f "$stamp" ]; then
  log "npm install ruv-swarm@$RUV_SWARM_VERSION @modelcontextprotocol/sdk@$MCP_SDK_VERSION into $npm_dir"
  rm -rf "$npm_dir"; mkdir -p "$npm_dir"
  echo '{"name":"swarmcluster-bench-peer","private":true}' > "$npm_dir/package.json"
  (cd "$npm_dir" && npm install --no-audit --no-fund --loglevel=error \
      "ruv-swarm@$RUV_SWARM_VERSION" "@modelcontextprotocol/sdk@$MCP_SDK_VERSION" >&2)
  # better-sqlite3 is ruv-swarm's store: without its native build the peer would not be the peer.
  [ -f "$npm_dir/node_modules/ruv-swarm/bin/ruv-swarm-secure.js" ] || { echo "bench: ruv-swarm did not install" >&2; exit 1; }
  ls "$npm_dir"/node_modules/better-sqlite3/build/Release/*.node >/dev/null 2>&1 \
    || (cd "$npm_dir/node_modules/better-sqlite3" && npm run install --loglevel=error >&2) \
    || { echo "bench: better-sqlite3 (ruv-swarm's SQLite binding) failed to build" >&2; exit 1; }
  touch "$stamp"
fi

# ---- builds ---------------------------------------------------------------------------------------------
log "building the C loop"
gcc -O2 -Wall -Wextra -o "$tmp/fann_loop" bench/c/fann_loop.c -lfloatfann -lm

build_args=(-c Release -nologo -v q)
[ -n "$artifacts" ] && build_args+=(--artifacts-path "$artifacts")
log "building src/Gateway and bench/Neural (Release)"
dotnet build src/Gateway "${build_args[@]}" >"$tmp/build-gateway.log" 2>&1 || { tail -30 "$tmp/build-gateway.log" >&2; exit 1; }
dotnet build bench/Neural "${build_args[@]}" >"$tmp/build-neural.log" 2>&1 || { tail -30 "$tmp/build-neural.log" >&2; exit 1; }
if [ -n "$artifacts" ]; then
  gateway_dll="$artifacts/bin/SwarmCluster.Gateway/release/SwarmCluster.Gateway.dll"
  neural_dll="$artifacts/bin/SwarmCluster.Bench.Neural/release/SwarmCluster.Bench.Neural.dll"
else
  gateway_dll="$root/src/Gateway/bin/Release/net10.0/SwarmCluster.Gateway.dll"
  neural_dll="$root/bench/Neural/bin/Release/net10.0/SwarmCluster.Bench.Neural.dll"
fi
# A full run measures the gateway as it is deployed: published, ReadyToRun (precompiled, less start-up JIT).
# Smoke runs keep the plain build: they show that every path works, and CI should not pay for crossgen.
if [ "$smoke" = 0 ]; then
  log "publishing src/Gateway ReadyToRun (linux-x64, framework-dependent)"
  dotnet publish src/Gateway -c Release -nologo -v q -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    -o "$tmp/gateway-r2r" >"$tmp/publish-gateway.log" 2>&1 || { tail -30 "$tmp/publish-gateway.log" >&2; exit 1; }
  gateway_dll="$tmp/gateway-r2r/SwarmCluster.Gateway.dll"
fi
for f in "$gateway_dll" "$neural_dll"; do [ -f "$f" ] || { echo "bench: build output missing: $f" >&2; exit 1; }; done

# ---- run ------------------------------------------------------------------------------------------------
if [ "$smoke" = 1 ]; then out_dir="$root/bench/results/smoke"; report="$out_dir/benchmarks.md"; mode=(--smoke)
else out_dir="$root/bench/results"; report="$root/docs/benchmarks.md"; mode=(); fi
mkdir -p "$out_dir" "$(dirname "$report")"
json="$out_dir/benchmarks.json"
log "running rows $rows ($([ "$smoke" = 1 ] && echo smoke || echo full))"
status=0
node bench/bench.mjs "${mode[@]}" --rows "$rows" --node-modules "$npm_dir/node_modules" --gateway-dll "$gateway_dll" \
  --neural-dll "$neural_dll" --fann-loop "$tmp/fann_loop" --tmp "$tmp" --out "$json" &
bench_pid=$!
wait "$bench_pid" || status=$?
bench_pid=""
if [ -f "$json" ]; then
  node bench/report.mjs "$json" "$report" || status=1
  log "wrote $report and $json"
fi
if [ "$status" -ne 0 ]; then
  log "the harness reported errors (exit $status); logs:"
  for f in "$tmp"/logs/*.log; do [ -s "$f" ] && { echo "== $f" >&2; tail -15 "$f" >&2; }; done
fi
log "finished in $(( $(date +%s) - started )) s"
exit "$status"

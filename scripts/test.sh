#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs prerequisites, starts Redis and PostgreSQL on loopback,
# builds, runs every test project against the real servers, validates k8s manifests, smoke-runs the bench.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

scripts/prereqs.sh test || exit 1

state="$(mktemp -d /tmp/swarmcluster-test.XXXXXX)"
started_servers=0
# Our own Redis and PostgreSQL on dedicated loopback ports (never a system instance with other auth), unless the
# caller points the tests at servers of their own.
if [ -z "${SWARM_TEST_REDIS:-}" ] || [ -z "${SWARM_TEST_POSTGRES:-}" ]; then
  export SWARM_TEST_REDIS_PORT="${SWARM_TEST_REDIS_PORT:-6390}" SWARM_TEST_PG_PORT="${SWARM_TEST_PG_PORT:-5440}"
  scripts/servers.sh start "$state" || exit 1
  started_servers=1
  export SWARM_TEST_REDIS="127.0.0.1:$SWARM_TEST_REDIS_PORT"
  export SWARM_TEST_POSTGRES="Host=127.0.0.1;Port=$SWARM_TEST_PG_PORT;Username=postgres;Database=postgres"
fi
cleanup() { [ "$started_servers" = 1 ] && scripts/servers.sh stop "$state"; }
trap cleanup EXIT

# The third-party MCP client the end-to-end tests drive the gateway with, and the real Claude Code CLI (~400 MB).
for client in tests/Gateway.Tests/client tests/Gateway.Tests/claude-cli; do
  if [ -f "$client/package.json" ]; then
    (cd "$client" && { [ -f package-lock.json ] && npm ci --no-audit --no-fund --silent || npm install --no-audit --no-fund --silent; }) || exit 1
  fi
done

dotnet build SwarmCluster.sln -c Release -nologo -v q || exit 1

results="$root/artifacts/test-results"; rm -rf "$results"; mkdir -p "$results"
status=0
for proj in tests/Native.Tests tests/Grains.Tests tests/Silo.Tests tests/Gateway.Tests; do
  name="$(basename "$proj")"
  echo "== $name"
  start=$(date +%s)
  dotnet test "$proj" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" --results-directory "$results" \
    > "$results/$name.log" 2>&1 || status=1
  grep -E "^\s*(Passed|Failed|Skipped) |Total tests|error|Failed!|Passed!" "$results/$name.log" | grep -vE "^\s*Passed " | tail -40
  # Each failure's message too: CI's output is all that is left of a run on a clean machine.
  grep -A6 -E "^\s*Failed [A-Za-z]" "$results/$name.log" | head -80
  echo "   $name took $(( $(date +%s) - start )) s"
done

for extra in k8s/validate.sh "bench/run.sh --smoke"; do
  script="${extra%% *}"
  if [ -x "$script" ] || [ -f "$script" ]; then
    echo "== $extra"
    bash $extra > "$results/$(basename "$script").log" 2>&1 || { status=1; tail -30 "$results/$(basename "$script").log"; }
    tail -5 "$results/$(basename "$script").log"
  fi
done

# One closing line that CI can read, summed over every trx file.
python3 - "$results" <<'PY' || status=1
import glob, re, sys
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    m = re.search(r'<Counters [^>]*', open(f, encoding="utf-8").read())
    if not m: continue
    c = dict(re.findall(r'(\w+)="(\d+)"', m.group(0)))
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or skipped or passed == 0 else 0)
PY
exit $status

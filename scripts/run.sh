#!/usr/bin/env bash
# Runs SwarmCluster on the embedded default: one process, localhost clustering, SQLite under ./data,
# MCP at http://127.0.0.1:8765/mcp, dashboard at /dashboard, health at /healthz.
# Extra arguments go to the gateway (e.g. --urls http://127.0.0.1:9000 --data-dir /var/lib/swarm).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prereqs.sh runtime
# dotnet run starts in the project folder: keep the default data directory at the repository root.
export SWARM_DATA_DIR="${SWARM_DATA_DIR:-$PWD/data}"
exec dotnet run --project src/Gateway -c Release -- "$@"

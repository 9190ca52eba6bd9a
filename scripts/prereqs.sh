#!/usr/bin/env bash
# Installs what the product and its tests need on a fresh Debian machine (idempotent).
# Usage: scripts/prereqs.sh [runtime|test]   runtime: libfann only; test: also servers and the MCP client.
set -euo pipefail
mode="${1:-test}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

need=()
[ -e /usr/lib/x86_64-linux-gnu/libfloatfann.so.2 ] || ldconfig -p 2>/dev/null | grep -q libfloatfann.so.2 || need+=(libfann2)
if [ "$mode" = test ]; then
  [ -d /usr/share/doc/libfann-dev/examples ] || need+=(libfann-dev libfann-doc)
  command -v redis-server >/dev/null || need+=(redis-server)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v node >/dev/null || need+=(nodejs npm)
  # The swarm view's browser test drives apt's headless Chromium (Playwright cannot download browsers here).
  command -v chromium >/dev/null || need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "prereqs: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v dotnet >/dev/null; then
  echo "prereqs: the .NET SDK 10 is required (dotnet not on PATH)" >&2; exit 1
fi

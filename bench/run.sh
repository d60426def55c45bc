#!/usr/bin/env bash
# Builds brainstem (Release), installs the load tools, and runs every benchmark.
#   bench/run.sh [rate_limits|chat_gateway|chat_instructions|pipeline|knowledge|cellstate|agent_protocols|soak|llama]...   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
( cd tests/e2e && npm ci --no-audit --no-fund --silent )  # the MCP reference server agent_protocols calls
missing=()
for p in wrk nginx-light valgrind; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
command -v nginx >/dev/null && missing=("${missing[@]/nginx-light}")
if (( ${#missing[@]} )) && [[ -n "${missing[*]// }" ]]; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing[*]} >/dev/null
fi
BUILD_TYPE=Release scripts/build.sh >/dev/null
benches=("$@")
(( ${#benches[@]} )) || benches=(rate_limits chat_gateway chat_instructions pipeline knowledge cellstate agent_protocols soak llama)
for b in "${benches[@]}"; do
  node "bench/$b.mjs"
  echo
done

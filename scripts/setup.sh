#!/usr/bin/env bash
# Installs everything brainstem needs on Debian bookworm, then prepares llama.cpp.
#   scripts/setup.sh          build dependencies
#   scripts/setup.sh --test   also what the test suite uses (promtool, sqlite3 CLI, node clients)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build git pkg-config ca-certificates
  libboost1.81-dev libboost-json1.81-dev libssl-dev libsqlite3-dev libsodium-dev
  libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev libhnswlib-dev
  libpoppler-cpp-dev libzip-dev libxml2-dev libjemalloc-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(googletest libgtest-dev libgmock-dev sqlite3 prometheus curl libcairo2-dev fonts-dejavu-core)
fi

# Node.js drives the end-to-end tests and fetches llama.cpp; keep an existing install.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scripts/setup-llama.sh >/dev/null

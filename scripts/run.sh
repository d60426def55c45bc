#!/usr/bin/env bash
# Installs what is needed, builds, and runs `brainstem serve` on its embedded defaults
# (127.0.0.1:8080, data in ./brainstem-data). Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh -DBRAINSTEM_BUILD_TESTS=OFF -DBRAINSTEM_BUILD_BENCH=OFF
exec build/src/brainstem serve "$@"

#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite (unit + end-to-end) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
( cd tests/e2e && npm ci --no-audit --no-fund --silent )
scripts/build.sh -DBRAINSTEM_BUILD_TESTS=ON
cd build
ctest --output-on-failure -j "${JOBS:-$(nproc)}" --timeout 600

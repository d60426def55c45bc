#!/usr/bin/env bash
# Configures and builds brainstem into ./build (Release with debug info). Assumes scripts/setup.sh ran.
set -euo pipefail
cd "$(dirname "$0")/.."
LLAMA_PREFIX=$(scripts/setup-llama.sh | tail -n 1)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DCMAKE_PREFIX_PATH="$LLAMA_PREFIX" "$@" >/dev/null
cmake --build build -j "${JOBS:-$(nproc)}"

#!/usr/bin/env bash
# Builds llama.cpp's own llama-server and llama-bench from the same pinned source that
# scripts/setup-llama.sh builds brainstem's llama.cpp from, for benchmarks that compare the two.
# The tools link the ggml that setup-llama.sh installed, so both sides run the same kernels.
# A separate build directory in the cache; re-running is a no-op once the stamp exists.
# Prints the directory holding the two binaries as its last line.
#   JOBS=N scripts/build-llama-tools.sh   (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_LLAMA_CPP_VERSION=3.22.1
CACHE_ROOT=${BRAINSTEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/brainstem}
TAG="nlc$NODE_LLAMA_CPP_VERSION"
SRC="$CACHE_ROOT/llama.cpp-src-$TAG"
BUILD="$CACHE_ROOT/llama.cpp-tools-$TAG"
BIN="$BUILD/bin"
JOBS=${JOBS:-$(nproc)}

if [[ -f "$BUILD/.complete" && -x "$BIN/llama-server" && -x "$BIN/llama-bench" ]]; then
  echo "$BIN"
  exit 0
fi

# The source tree and the installed ggml come from setup-llama.sh (a no-op once done).
PREFIX=$(scripts/setup-llama.sh | tail -n 1)

echo "build-llama-tools: building llama-server and llama-bench $(tr -d '\n ' < "$SRC/llama.cpp.info.json")" >&2
cmake -S "$SRC" -B "$BUILD" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_USE_SYSTEM_GGML=ON \
  -DLLAMA_ALL_WARNINGS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_COMMON=ON >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target llama-server llama-bench >&2
touch "$BUILD/.complete"
echo "$BIN"

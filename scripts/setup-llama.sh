#!/usr/bin/env bash
# Builds llama.cpp (pinned: the copy inside node-llama-cpp) once into a cache outside the
# repository and installs it there as a CMake package. Prints the install prefix as its last
# line. The source tree stays in the cache for the tools that benchmarks build from it.
# Re-running is a no-op once the stamp exists.
set -euo pipefail

NODE_LLAMA_CPP_VERSION=3.22.1
CACHE_ROOT=${BRAINSTEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/brainstem}
TAG="nlc$NODE_LLAMA_CPP_VERSION"
SRC="$CACHE_ROOT/llama.cpp-src-$TAG"
BUILD="$CACHE_ROOT/llama.cpp-build-$TAG"
PREFIX="$CACHE_ROOT/llama.cpp-$TAG"
JOBS=${JOBS:-$(nproc)}

if [[ -f "$PREFIX/.complete" ]]; then
  echo "$PREFIX"
  exit 0
fi
mkdir -p "$CACHE_ROOT"

if [[ ! -f "$SRC/.complete" ]]; then
  rm -rf "$SRC"
  work=$(mktemp -d "$CACHE_ROOT/fetch.XXXXXX")
  echo "setup-llama: fetching node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >&2
  ( cd "$work" && npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null )
  tar -xzf "$work"/node-llama-cpp-*.tgz -C "$work" package/llama/gitRelease.bundle package/llama/llama.cpp.info.json
  git -c advice.detachedHead=false clone --quiet "$work/package/llama/gitRelease.bundle" "$SRC"
  cp "$work/package/llama/llama.cpp.info.json" "$SRC/"
  rm -rf "$work"
  touch "$SRC/.complete"
fi

echo "setup-llama: building llama.cpp $(tr -d '\n ' < "$SRC/llama.cpp.info.json")" >&2
cmake -S "$SRC" -B "$BUILD" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_ALL_WARNINGS=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
  -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_APP=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS" >&2
cmake --install "$BUILD" >/dev/null

# Real tokenizers (vocabulary-only GGUF files) for token counting and test models.
mkdir -p "$PREFIX/share/brainstem/vocab"
cp "$SRC"/models/ggml-vocab-*.gguf "$PREFIX/share/brainstem/vocab/"
cp "$SRC/llama.cpp.info.json" "$PREFIX/share/brainstem/"
touch "$PREFIX/.complete"
echo "$PREFIX"

#!/usr/bin/env bash
# `make run`'s set-up: one line per step (packages, configure, build), each
# step's own output in a log file under $BUILD/logs that is named, with its
# last lines, when the step fails.
set -uo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
llvm=${2:-/usr/lib/llvm-22}
jobs=${3:-2}
logs="$build/logs"
mkdir -p "$logs"

step() {
  local name=$1 log="$logs/$2"
  shift 2
  local start=$SECONDS
  printf '%-54s' "$name..."
  if "$@" >"$log" 2>&1; then
    echo " done ($((SECONDS - start)) s)"
  else
    echo " FAILED"
    echo "  the step's output is in $log; its last lines:" >&2
    tail -n 15 "$log" | sed 's/^/  | /' >&2
    exit 1
  fi
}

step "checking the Debian packages (LLVM 22, MLIR)" packages.log scripts/install-deps.sh
if [ ! -f "$build/build.ninja" ]; then
  step "configuring with CMake" configure.log \
    cmake -G Ninja -S . -B "$build" -DMLIR_DIR="$llvm/lib/cmake/mlir" \
      -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="$(command -v python3)"
fi
step "building (ninja -j$jobs; minutes the first time)" build.log ninja -C "$build" -j"$jobs"
echo

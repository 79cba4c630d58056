#!/usr/bin/env bash
# Prepares the GPU check (docs/gpu.md, "The GPU check") on a machine with
# the compiler: a directory that scripts/gpu-check.sh runs on a machine with
# an NVIDIA GPU and its driver but no LLVM, no CUDA toolkit and no network.
#
#   scripts/gpu-bundle.sh [BUILD=build] [OUT=gpu-bundle] [CHIP=sm_90a]
#
# It holds, in at most 64 MiB:
#   bin/hybrid-run-module, lib/libomp.so.5   the runtime and its one library
#   models/NAME.hybrid                       every example model that runs as a
#                                            session, compiled for CHIP
#   reference/NAME.logits.npy, NAME.ids.npy  its logits and 8 greedy tokens on
#                                            this CPU (--target=cpu), same
#                                            random weights (seed 1) and prompt
#   models.txt                               NAME PROMPT per line
#   gpu-check.sh, bench_gpu_baselines.py     what runs there
# GPU_BUNDLE_MODELS="gemma2-tiny mamba" keeps only those models, and
# GPU_BUNDLE_TARGET=cpu compiles them for this CPU instead, so that the
# check's passing path runs here (both for test/Tools/gpu-check.test).
set -euo pipefail

build=${1:-build}
out=${2:-gpu-bundle}
chip=${3:-sm_90a}
root=$(cd "$(dirname "$0")/.." && pwd)
prompt=1x8xi64=1,5,9,2,7,3,11,4
tokens=8
limit=$((64 * 1024 * 1024))

for tool in hybrid-compile hybrid-run hybrid-run-module; do
  if [[ ! -x $build/bin/$tool ]]; then
    echo "gpu-bundle: $build/bin/$tool is missing: build first (make build)" >&2
    exit 1
  fi
done
libomp=$(ldd "$build/bin/hybrid-run-module" | awk '/libomp.so/ {print $3}')
if [[ -z $libomp || ! -f $libomp ]]; then
  echo "gpu-bundle: cannot find the libomp.so.5 that hybrid-run-module loads" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/models" "$out/reference"
cp "$build/bin/hybrid-run-module" "$out/bin/"
cp "$libomp" "$out/lib/libomp.so.5"
cp "$root/scripts/gpu-check.sh" "$root/scripts/bench_gpu_baselines.py" "$out/"
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT

: > "$out/models.txt"
for model in "$root"/examples/hf/*/ "$root"/examples/models/*.json; do
  model=${model%/}
  name=$(basename "$model" .json)
  if [[ -n ${GPU_BUNDLE_MODELS:-} && " $GPU_BUNDLE_MODELS " != *" $name "* ]]; then
    continue
  fi
  # Encoders and vision models have no session (hybrid-compile says so).
  if [[ ${GPU_BUNDLE_TARGET:-cuda} == cpu ]]; then
    target=(--target=cpu)
  else
    target=(--target=cuda --gpu-chip="$chip")
  fi
  if ! "$build/bin/hybrid-compile" "$model" "${target[@]}" --emit=module \
      -o "$out/models/$name.hybrid" > "$cache/compile.log" 2>&1; then
    echo "gpu-bundle: $name skipped: $(tail -1 "$cache/compile.log")" >&2
    rm -f "$out/models/$name.hybrid"
    continue
  fi
  "$build/bin/hybrid-run" "$model" --target=cpu --random-weights=1 --input="$prompt" \
    --cache-dir="$cache" --output=@"$out/reference/$name.logits.npy" > /dev/null 2>&1
  "$build/bin/hybrid-run" "$model" --target=cpu --random-weights=1 --input="$prompt" \
    --cache-dir="$cache" --generate=$tokens --ignore-eos --max-tokens=2048 \
    --output=@"$out/reference/$name.ids.npy" > /dev/null 2>&1
  echo "$name $prompt" >> "$out/models.txt"
  echo "gpu-bundle: $name ($(du -k "$out/models/$name.hybrid" | cut -f1) KiB)" >&2
done

size=$(du -sb "$out" | cut -f1)
echo "gpu-bundle: $out: $(wc -l < "$out/models.txt") models, $((size / 1024 / 1024)) MiB" >&2
if (( size > limit )); then
  echo "gpu-bundle: $out is larger than 64 MiB ($size bytes)" >&2
  exit 1
fi

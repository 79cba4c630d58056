#!/usr/bin/env bash
# Long libFuzzer runs of every target in fuzz/ (test/Fuzz runs each for 15 s
# in `make test`). Usage: scripts/fuzz.sh [SECONDS per target, default 600]
# [BUILD dir, default build]. The corpus grows in BUILD/fuzz-corpus/NAME and
# is kept between runs; a crashing input is written to BUILD/fuzz-crashes/
# and the script exits non-zero naming it.
set -uo pipefail
seconds=${1:-600}
build=${2:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz="$build/fuzz"
[ -x "$fuzz/fuzz-json" ] || { echo "fuzz.sh: no fuzzers in $fuzz (build with clang-22 present)" >&2; exit 1; }
mkdir -p "$build/fuzz-crashes"
seeds_npy=$(mktemp -d)
"$build/bin/hybrid-run" "$root/test/Integration/Reference/Inputs/functions.mlir" --function=ids \
    --input=1x2xi64=3,4 --output=@"$seeds_npy/ids.npy" >/dev/null
seeds_inline=$(mktemp -d)
printf '1x4xi64=1,2,3,4' > "$seeds_inline/ids"
printf '2x2xf32=1.5,nan,-inf,2e3' > "$seeds_inline/floats"
declare -A seeds=(
  [json]="$root/examples/hf $root/examples/models"
  [safetensors]="$root/test/Integration/Reference/Inputs"
  [npy]="$seeds_npy"
  [inline-tensor]="$seeds_inline"
  [ir-nesting]="$root/test/Dialect/Hybrid"
  [ir]="$root/test/Dialect/Hybrid"
  [import]="$root/examples/hf $root/examples/models"
  [runtime]=""
)
# fuzz-runtime drives a compiled Jamba artifact (a few seconds to compile).
artifact=$(mktemp -d)/jamba.hybrid
"$build/bin/hybrid-compile" "$root/examples/hf/jamba-tiny/config.json" --emit=module \
    --max-tokens=40 -o "$artifact" >/dev/null || exit 1
export HYBRID_FUZZ_ARTIFACT="$artifact"
status=0
for name in json safetensors npy inline-tensor ir-nesting ir import runtime; do
  corpus="$build/fuzz-corpus/$name"
  mkdir -p "$corpus"
  echo "fuzz.sh: fuzz-$name for ${seconds}s (corpus $corpus)"
  # shellcheck disable=SC2086
  if ! "$fuzz/fuzz-$name" "$corpus" ${seeds[$name]} -max_total_time="$seconds" -timeout=10 \
       -rss_limit_mb=2048 -artifact_prefix="$build/fuzz-crashes/$name-" -print_final_stats=1 \
       2>&1 | grep -E "^(Done|stat::number_of_executed_units|==.*ERROR|SUMMARY)"; then
    :
  fi
  if ls "$build/fuzz-crashes/$name-"* >/dev/null 2>&1; then
    echo "fuzz.sh: fuzz-$name found inputs it fails on: $(ls "$build/fuzz-crashes/$name-"*)"
    status=1
  fi
done
rm -rf "$seeds_npy" "$seeds_inline"
exit $status

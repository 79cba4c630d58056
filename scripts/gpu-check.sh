#!/usr/bin/env bash
# The GPU check (docs/gpu.md): run in a bundle made by scripts/gpu-bundle.sh,
# on a machine with an NVIDIA GPU and its driver (no LLVM, no toolkit, no
# network needed).
#
#   cd gpu-bundle && ./gpu-check.sh [--no-baselines]
#
# For every model: its logits on the GPU against this bundle's reference
# (--target=cpu, tolerance 1e-4 of the logits' scale), its 8 greedy tokens
# against the reference's, and the prefill and decode speed of the
# generation; then, where PyTorch sees a GPU, its matmul and SDPA on the same
# card (bench_gpu_baselines.py). Prints a table; the exit status is 1 if any
# model failed. HYBRID_CUDA_DRIVER=PATH loads another driver library (the
# tests run this script against a fake one).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
run=./bin/hybrid-run-module
baselines=1
[[ ${1:-} == --no-baselines ]] && baselines=0
if [[ ! -x $run || ! -f models.txt ]]; then
  echo "gpu-check: run it in a bundle made by scripts/gpu-bundle.sh" >&2
  exit 2
fi
mkdir -p out
failed=0
printf '%-28s %-14s %-8s %14s %16s\n' model logits tokens "prefill tok/s" "decode ms/token"
while read -r name prompt; do
  logits=FAIL tokens=FAIL prefill=- decode=-
  if "$run" "models/$name.hybrid" --random-weights=1 --input="$prompt" \
      --expected-output=@"reference/$name.logits.npy" > "out/$name.logits.log" 2>&1; then
    # "... matches the expected output (max difference 1.2e-06)"
    logits="ok $(sed -n 's/.*max difference \([^)]*\)).*/\1/p' "out/$name.logits.log" | head -1)"
  fi
  if "$run" "models/$name.hybrid" --random-weights=1 --input="$prompt" --generate=8 \
      --output=@"out/$name.ids.npy" > "out/$name.generate.log" 2>&1; then
    cmp -s "out/$name.ids.npy" "reference/$name.ids.npy" && tokens=ok
    # "prefill: 8 tokens in X ms (N tokens/s); decode: 7 tokens, M ms/token ..."
    line=$(grep -h '^prefill:' "out/$name.generate.log" | tail -1)
    prefill=$(sed -n 's/.*(\([0-9.]*\) tokens\/s); decode.*/\1/p' <<< "$line")
    decode=$(sed -n 's/.*tokens, \([0-9.]*\) ms\/token.*/\1/p' <<< "$line")
  fi
  [[ $logits == ok* && $tokens == ok ]] || failed=1
  printf '%-28s %-14s %-8s %14s %16s\n' "$name" "$logits" "$tokens" "${prefill:--}" "${decode:--}"
  if [[ $logits != ok* ]]; then
    grep -h 'error' "out/$name.logits.log" | head -2 | sed 's/^/    /'
  fi
done < models.txt

if (( baselines )) && command -v python3 > /dev/null; then
  timeout 240 python3 bench_gpu_baselines.py || echo "gpu-check: baselines did not run" >&2
fi
if (( failed )); then
  echo "gpu-check: FAILED (logs in $here/out)"
  exit 1
fi
echo "gpu-check: every model matched"

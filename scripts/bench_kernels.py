#!/usr/bin/env python3
"""Compiled kernels against PyTorch and the machine's own limits, side by side.

Measures in this run, on this machine:
  peak    fp32 FMA rate (a C loop of independent FMAs at the host's widest
          vector, built with `cc -O3 -march=native`): one copy, and one copy
          per core at once (the all-core peak, summed)
  triad   STREAM triad bandwidth a[i] = b[i] + s*c[i] over 3 x 64 MiB, one
          copy and one per core at once
then runs `hybrid-bench --gemm-sweep --json --filter=linear` with --threads=1
(and --baseline) and with every core, and PyTorch's F.linear on the same
shapes with 1 thread and with all threads, and prints time, GFLOP/s, % of
peak, and the ratios, one thread against one thread and all against all.
With --weight-type bf16, ours keeps W in bfloat16 (hybrid-bench
--weight-type=bf16: AMX tiles where the CPU has them) and torch runs
F.linear on bf16 x and W (its own bf16 path); % of peak stays against the
fp32 FMA peak, and decode's bytes count W at 2 bytes. With --weight-type
bf16-matmul, ours also rounds x to bf16 in prefill's products (vdpbf16ps
where the CPU has AVX512-BF16), and % of peak is of the measured vdpbf16ps
rate (twice the FMA peak's multiply-adds per instruction). Nothing is asserted;
docs/performance.md keeps the results.

  .venv-hf/bin/python scripts/bench_kernels.py [--build build] [--runs 5]
      [--filter linear] [--json-out results.json]
      [--weight-type f32|bf16|bf16-matmul]
"""

import argparse
import json
import os
import subprocess
import tempfile
import time

import torch

from plot_bench import write_sweep

PEAK_C = r"""
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
#ifdef __AVX512F__
typedef __m512 V; enum { LANES = 16 };
#define FMA _mm512_fmadd_ps
#define SET _mm512_set1_ps
#else
typedef __m256 V; enum { LANES = 8 };
#define FMA _mm256_fmadd_ps
#define SET _mm256_set1_ps
#endif
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(void) {
  /* 12 independent chains in named registers: FMA latency x throughput. */
  V b = SET(0.9999f), c = SET(1e-4f);
  V a0 = SET(0), a1 = SET(1), a2 = SET(2), a3 = SET(3), a4 = SET(4), a5 = SET(5);
  V a6 = SET(6), a7 = SET(7), a8 = SET(8), a9 = SET(9), a10 = SET(10), a11 = SET(11);
  long n = 100000000; double t = now();
  for (long i = 0; i < n; ++i) {
    a0 = FMA(a0, b, c); a1 = FMA(a1, b, c); a2 = FMA(a2, b, c); a3 = FMA(a3, b, c);
    a4 = FMA(a4, b, c); a5 = FMA(a5, b, c); a6 = FMA(a6, b, c); a7 = FMA(a7, b, c);
    a8 = FMA(a8, b, c); a9 = FMA(a9, b, c); a10 = FMA(a10, b, c); a11 = FMA(a11, b, c);
  }
  t = now() - t;
  V s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  printf("%f %d %f\n", 2.0 * LANES * 12 * n / t / 1e9, LANES * 32, ((float *)&s)[0]);
  return 0;
}
"""

# The bf16 dot-product rate (vdpbf16ps: two multiply-adds per f32 lane),
# the peak of --weight-type=bf16-matmul's kernel; 0 without AVX512-BF16.
DOT_PEAK_C = r"""
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(void) {
#ifdef __AVX512BF16__
  __m512bh b = (__m512bh)_mm512_set1_epi32(0x3f803f80), c = (__m512bh)_mm512_set1_epi32(0x38d138d1);
  /* 12 chains from different values (equal ones would be merged into one). */
#define S _mm512_set1_ps
  __m512 a0 = S(0), a1 = S(1), a2 = S(2), a3 = S(3), a4 = S(4), a5 = S(5);
  __m512 a6 = S(6), a7 = S(7), a8 = S(8), a9 = S(9), a10 = S(10), a11 = S(11);
  long n = 100000000; double t = now();
  for (long i = 0; i < n; ++i) {
#define D(a) a = _mm512_dpbf16_ps(a, b, c)
    D(a0); D(a1); D(a2); D(a3); D(a4); D(a5); D(a6); D(a7); D(a8); D(a9); D(a10); D(a11);
  }
  t = now() - t;
  __m512 s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  printf("%f %f\n", 4.0 * 16 * 12 * n / t / 1e9, ((float *)&s)[0]);
#else
  printf("0 0\n");
#endif
  return 0;
}
"""

TRIAD_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(void) {
  long n = 16L << 20; float *a = malloc(4 * n), *b = malloc(4 * n), *c = malloc(4 * n);
  for (long i = 0; i < n; ++i) { a[i] = 0; b[i] = 1; c[i] = 2; }
  double best = 1e9;
  for (int r = 0; r < 5; ++r) {
    double t = now();
    for (long i = 0; i < n; ++i) a[i] = b[i] + 3.0f * c[i];
    t = now() - t; if (t < best) best = t;
  }
  printf("%f %f\n", 3.0 * 4 * n / best / 1e9, a[7]);
  return 0;
}
"""


def run_c(source, flags, copies=1):
    """Runs the C program `copies` times at once; each copy's printed fields."""
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "m.c"), os.path.join(tmp, "m")
        with open(src, "w") as f:
            f.write(source)
        subprocess.run(["cc", "-O3", *flags, src, "-o", exe], check=True)
        procs = [subprocess.Popen([exe], stdout=subprocess.PIPE, text=True)
                 for _ in range(copies)]
        return [p.communicate()[0].split() for p in procs]


def hybrid_bench(build, threads, runs, filter_text, baseline, weight_type):
    command = [os.path.join(build, "bin", "hybrid-bench"), "--gemm-sweep", "--json",
               f"--runs={runs}", f"--filter={filter_text}", f"--threads={threads}",
               f"--weight-type={weight_type}"]
    if baseline:
        command.append("--baseline")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return {case["name"]: case for case in map(json.loads, out.splitlines())}


def torch_linear(m, k, n, threads, runs, dtype=torch.float32):
    torch.set_num_threads(threads)
    x, w = torch.randn(m, k).to(dtype), torch.randn(n, k).to(dtype)
    torch.nn.functional.linear(x, w)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        torch.nn.functional.linear(x, w)
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--filter", default="linear")
    parser.add_argument("--json-out")
    parser.add_argument("--weight-type", choices=["f32", "bf16", "bf16-matmul"], default="f32")
    args = parser.parse_args()
    dtype = torch.float32 if args.weight_type == "f32" else torch.bfloat16

    cores = os.cpu_count() or 1
    peak, bits, _ = run_c(PEAK_C, ["-march=native"])[0]
    peak, bits = float(peak), int(bits)
    peak_all = sum(float(r[0]) for r in run_c(PEAK_C, ["-march=native"], cores))
    triad = float(run_c(TRIAD_C, ["-march=native"])[0][0])
    triad_all = sum(float(r[0]) for r in run_c(TRIAD_C, ["-march=native"], cores))
    print(f"machine: fp32 FMA peak {peak:.1f} GFLOP/s one core, {peak_all:.1f} on "
          f"{cores} ({bits}-bit); triad {triad:.1f} GB/s one core, {triad_all:.1f} on "
          f"{cores}; torch {torch.__version__}")
    if args.weight_type == "bf16-matmul":
        dot = float(run_c(DOT_PEAK_C, ["-march=native"])[0][0])
        if dot > 0:
            dot_all = sum(float(r[0]) for r in run_c(DOT_PEAK_C, ["-march=native"], cores))
            print(f"bf16 dot peak (vdpbf16ps) {dot:.1f} GFLOP/s one core, {dot_all:.1f} on "
                  f"{cores}: the % column below is of it")
            peak, peak_all = dot, dot_all

    ours1 = hybrid_bench(args.build, 1, args.runs, args.filter, True, args.weight_type)
    oursn = hybrid_bench(args.build, cores, args.runs, args.filter, False, args.weight_type)
    print(f"weights: ours {args.weight_type}, torch {dtype}")
    rows = []
    print(f"{'case':28} {'plain ms':>9} | {'1 thread ms':>11} {'%peak':>6} {'torch ms':>9} "
          f"{'x torch':>7} | {str(cores) + ' threads ms':>12} {'%peak':>6} {'torch ms':>9} "
          f"{'x torch':>7}")
    for name, case in ours1.items():
        fields = dict(part.split("=") for part in name.split()[1:])
        m, k, n = int(fields["M"]), int(fields["K"]), int(fields["N"])
        plain, o1, on = case["baseline_seconds"], case["seconds"], oursn[name]["seconds"]
        t1 = torch_linear(m, k, n, 1, args.runs, dtype)
        tn = torch_linear(m, k, n, cores, args.runs, dtype)
        # Decode shapes are bound by reading W: % of triad there.
        w_bytes = 4.0 if args.weight_type == "f32" else 2.0
        bytes_moved = 4.0 * (m * k + m * n) + w_bytes * n * k

        def percent(seconds, flops_peak, bandwidth):
            if m >= 16:
                return 100 * case["work"] / seconds / 1e9 / flops_peak
            return 100 * bytes_moved / seconds / 1e9 / bandwidth

        p1, pn = percent(o1, peak, triad), percent(on, peak_all, triad_all)
        unit = "%" if m >= 16 else "t"
        rows.append(dict(case=name, plain_s=plain, ours1_s=o1, oursn_s=on, torch1_s=t1,
                         torchn_s=tn, percent1=p1, percentn=pn, threads=cores,
                         percent_of="peak" if m >= 16 else "triad"))
        print(f"{name[7:]:28} {1e3 * plain:9.2f} | {1e3 * o1:11.2f} {p1:5.0f}{unit} "
              f"{1e3 * t1:9.2f} {t1 / o1:7.2f} | {1e3 * on:12.2f} {pn:5.0f}{unit} "
              f"{1e3 * tn:9.2f} {tn / on:7.2f}")
    print("%: of the FMA peak (bf16-matmul: the vdpbf16ps peak) of as many cores as threads (M >= 16); 't': of triad "
          "bandwidth (as many copies as threads) in bytes of x, W and y (M < 16, bound "
          "by reading W). plain: one thread, packed-gemm=false.")
    if args.json_out:
        write_sweep(args.json_out, "kernels", rows, peak_gflops=peak, peak_all_gflops=peak_all,
                    triad_gbs=triad, triad_all_gbs=triad_all, cores=cores)


if __name__ == "__main__":
    main()

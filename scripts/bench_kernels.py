#!/usr/bin/env python3
"""Compiled kernels against PyTorch and the machine's own limits, side by side.

Measures in this run, on this machine:
  peak    one core's fp32 FMA rate (a C loop of independent FMAs at the host's
          widest vector, built with `cc -O3 -march=native`)
  triad   STREAM triad bandwidth a[i] = b[i] + s*c[i] over 3 x 64 MiB
then runs `hybrid-bench --gemm-sweep --baseline --json --filter=linear` and
PyTorch's F.linear on the same shapes with 1 thread and with all threads,
and prints time, GFLOP/s, % of peak, and the ratios. Nothing is asserted;
docs/performance.md keeps the results.

  .venv-hf/bin/python scripts/bench_kernels.py [--build build] [--runs 5]
      [--filter linear] [--json-out results.json]
"""

import argparse
import json
import os
import subprocess
import tempfile
import time

import torch

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


def run_c(source, flags):
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "m.c"), os.path.join(tmp, "m")
        with open(src, "w") as f:
            f.write(source)
        subprocess.run(["cc", "-O3", *flags, src, "-o", exe], check=True)
        return subprocess.run([exe], check=True, capture_output=True, text=True).stdout.split()


def torch_linear(m, k, n, threads, runs):
    torch.set_num_threads(threads)
    x, w = torch.randn(m, k), torch.randn(n, k)
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
    args = parser.parse_args()

    peak, bits, _ = run_c(PEAK_C, ["-march=native"])
    peak = float(peak)
    triad = float(run_c(TRIAD_C, ["-march=native"])[0])
    print(f"machine: one core {peak:.1f} GFLOP/s fp32 FMA peak ({bits}-bit), "
          f"triad {triad:.1f} GB/s; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads available")

    out = subprocess.run([os.path.join(args.build, "bin", "hybrid-bench"), "--gemm-sweep",
                          "--baseline", "--json", f"--runs={args.runs}",
                          f"--filter={args.filter}"],
                         check=True, capture_output=True, text=True).stdout
    rows = []
    all_threads = os.cpu_count() or 1
    print(f"{'case':28} {'ours ms':>9} {'GFLOP/s':>8} {'%peak':>6} {'plain ms':>9} "
          f"{'torch1 ms':>10} {'x torch1':>8} {'torch' + str(all_threads) + ' ms':>10} "
          f"{'x torch' + str(all_threads):>9}")
    for line in out.splitlines():
        case = json.loads(line)
        name = case["name"]
        fields = dict(part.split("=") for part in name.split()[1:])
        m, k, n = int(fields["M"]), int(fields["K"]), int(fields["N"])
        ours, plain = case["seconds"], case["baseline_seconds"]
        t1 = torch_linear(m, k, n, 1, args.runs)
        tn = torch_linear(m, k, n, all_threads, args.runs)
        gflops = case["work"] / ours / 1e9
        # Decode shapes are bound by reading W: % of triad there.
        bytes_moved = 4.0 * (m * k + n * k + m * n)
        pct = (100 * gflops / peak if m >= 16
               else 100 * bytes_moved / ours / 1e9 / triad)
        row = dict(case=name, ours_s=ours, gflops=gflops, plain_s=plain,
                   torch1_s=t1, torchn_s=tn, percent=pct,
                   percent_of="peak" if m >= 16 else "triad")
        rows.append(row)
        print(f"{name[7:]:28} {1e3 * ours:9.2f} {gflops:8.1f} {pct:5.0f}{'%' if m >= 16 else 't'} "
              f"{1e3 * plain:9.2f} {1e3 * t1:10.2f} {t1 / ours:8.2f} {1e3 * tn:10.2f} "
              f"{tn / ours:9.2f}")
    print("%peak: of the one-core FMA peak (M >= 16); 't': of triad bandwidth in "
          "bytes of x, W and y (M < 16, bound by reading W). Ours runs on one thread.")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(dict(peak_gflops=peak, triad_gbs=triad, rows=rows), f, indent=1)


if __name__ == "__main__":
    main()

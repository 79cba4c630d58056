#!/usr/bin/env python3
"""PNG plots of the benchmark sweeps' JSON (`--json-out` of the bench scripts).

One PNG per JSON file, beside it unless --out-dir says otherwise: for each
case, one bar per thread count with the baseline's time over ours (above 1:
ours is faster; a line marks 1), and, where the sweep records it, a second
panel with ours as a percentage of the machine's measured FMA peak (or of
its triad bandwidth for bandwidth-bound cases). It also prints the values
it plotted, one line per bar.

  .venv-hf/bin/python scripts/plot_bench.py attention.json kernels.json ...
      [--out-dir plots]

Sweeps it reads (the "sweep" field, written by write_sweep below; files
from before it, bench_kernels.py's, are known by their rows):
  attention  bench_attention.py   ours_min_s against sdpa_min_s (SDPA; eager with a softcap)
  kernels    bench_kernels.py     ours1_s/oursn_s against torch1_s/torchn_s
  anything else: rows of {case, threads, ours_s, baseline_s[, percent]} and
  a top-level "baseline" naming what baseline_s timed (bench_models.py,
  bench_mixers.py, bench_vision.py).
Needs matplotlib: `.venv-hf/bin/pip install matplotlib` (install-hf-reference.sh
installs it).
"""

import argparse
import json
import os
import sys


def write_sweep(path, sweep, rows, **fields):
    """Writes a sweep's rows as the JSON this script reads: {"sweep": name,
    fields..., "rows": [...]} (the bench scripts' --json-out)."""
    with open(path, "w") as f:
        json.dump(dict(sweep=sweep, **fields, rows=rows), f, indent=1)


def bars(data):
    """(sweep, baseline name, [(case, threads, ours_s, baseline_s, percent or None, unit)])."""
    rows = data.get("rows", [])
    sweep = data.get("sweep")
    if sweep is None and rows and "ours1_s" in rows[0]:
        sweep = "kernels"
    if sweep == "attention":
        return sweep, "torch", [(r["case"], r["threads"], r["ours_min_s"], r["sdpa_min_s"],
                                r.get("percent_peak"), "peak") for r in rows]
    if sweep == "kernels":
        out = []
        for r in rows:
            unit = r.get("percent_of", "peak")
            out.append((r["case"], 1, r["ours1_s"], r["torch1_s"], r.get("percent1"), unit))
            out.append((r["case"], r["threads"], r["oursn_s"], r["torchn_s"], r.get("percentn"),
                        unit))
        return sweep, "torch", out
    if sweep is None:
        sys.exit("plot_bench: no \"sweep\" field and not bench_kernels.py's rows")
    return sweep, data.get("baseline", "baseline"), [
        (r["case"], r["threads"], r["ours_s"], r["baseline_s"], r.get("percent"),
         r.get("percent_of", "peak")) for r in rows]


def plot(path, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(path) as f:
        data = json.load(f)
    sweep, baseline, points = bars(data)
    if not points:
        sys.exit(f"plot_bench: {path}: no rows")
    cases = list(dict.fromkeys(p[0] for p in points))
    threads = sorted({p[1] for p in points})
    has_percent = any(p[4] is not None for p in points)
    fig, axes = plt.subplots(2 if has_percent else 1, 1, squeeze=False,
                             figsize=(max(6.0, 0.9 * len(cases) + 2), 7 if has_percent else 4.5))
    width = 0.8 / len(threads)
    for slot, n in enumerate(threads):
        xs, ratios, percents = [], [], []
        for case in cases:
            match = [p for p in points if p[0] == case and p[1] == n]
            if not match:
                continue
            _, _, ours_s, baseline_s, percent, unit = match[0]
            x = cases.index(case) + (slot - (len(threads) - 1) / 2) * width
            xs.append(x)
            ratios.append(baseline_s / ours_s)
            percents.append(percent or 0.0)
            print(f"{os.path.basename(path)}: {case} | {n} thread(s): {baseline}/ours "
                  f"{baseline_s / ours_s:.2f}" +
                  (f", {percent:.0f}% of {unit}" if percent is not None else ""))
        label = f"{n} thread" + ("s" if n > 1 else "")
        axes[0][0].bar(xs, ratios, width, label=label)
        if has_percent:
            axes[1][0].bar(xs, percents, width, label=label)
    axes[0][0].axhline(1.0, color="black", linewidth=0.8)
    axes[0][0].set_ylabel(f"{baseline} time / ours (>1: ours faster)")
    axes[0][0].set_title(f"{sweep}: {os.path.basename(path)}")
    axes[0][0].legend()
    if has_percent:
        axes[1][0].set_ylabel("ours, % of measured peak (or triad)")
    for ax in (row[0] for row in axes):
        ax.set_xticks(range(len(cases)))
        ax.set_xticklabels(cases, rotation=30, ha="right", fontsize=8)
    fig.tight_layout()
    stem = os.path.splitext(os.path.basename(path))[0]
    target = os.path.join(out_dir or os.path.dirname(os.path.abspath(path)), stem + ".png")
    fig.savefig(target, dpi=100)
    plt.close(fig)
    print(f"wrote {target}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("json", nargs="+")
    parser.add_argument("--out-dir")
    args = parser.parse_args()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit("plot_bench: needs matplotlib: .venv-hf/bin/pip install matplotlib")
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
    for path in args.json:
        plot(path, args.out_dir)


if __name__ == "__main__":
    main()

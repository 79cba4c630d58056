"""hm.load of a .mlir file: one function on numpy, torch and DLPack arrays.

Usage: function.py WORKDIR. Writes a function of hybrid IR (an RMS norm
and a linear layer whose weights are marked hybrid.weight, and an
embedding lookup with i32 ids), saves its weights with safetensors, and
checks on both targets that hm.load("f.mlir", weights=...) computes what
numpy computes from the same weights (1e-5 relative: f32 sums of 8 and 16
terms), that torch in gives torch out, that a DLPack-only object is read
without a copy, and that errors name the argument.
"""

import os
import sys

import numpy as np
import torch
from safetensors.numpy import save_file

import hybrid_mlir as hm

IR = """
func.func @norm_linear(%x: tensor<2x3x8xf32>,
                       %g: tensor<8xf32> {hybrid.weight = "norm.weight"},
                       %w: tensor<16x8xf32> {hybrid.weight = "proj.weight"})
    -> tensor<2x3x16xf32> {
  %n = hybrid.rms_norm %x, %g : tensor<2x3x8xf32>, tensor<8xf32>
  %y = hybrid.linear %n, %w : (tensor<2x3x8xf32>, tensor<16x8xf32>) -> tensor<2x3x16xf32>
  return %y : tensor<2x3x16xf32>
}

func.func @embed(%ids: tensor<2x3xi32>, %table: tensor<10x4xf32> {hybrid.weight = "table"})
    -> tensor<2x3x4xf32> {
  %h = hybrid.embedding %ids, %table : (tensor<2x3xi32>, tensor<10x4xf32>) -> tensor<2x3x4xf32>
  return %h : tensor<2x3x4xf32>
}
"""

ok = True


def check(name, good, detail=""):
    global ok
    ok &= bool(good)
    print(f"{name}: {'OK' if good else 'MISMATCH ' + detail}")


def close(a, b):
    return np.abs(np.asarray(a) - b).max() <= 1e-5 * max(1.0, np.abs(b).max())


class DLPackOnly:
    """An array that offers nothing but DLPack (as JAX or CuPy CPU arrays)."""

    def __init__(self, array):
        self._array = array

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


def main():
    workdir = sys.argv[1]
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "f.mlir")
    with open(path, "w") as f:
        f.write(IR)
    rng = np.random.default_rng(0)
    weights = {"norm.weight": rng.standard_normal(8).astype(np.float32),
               "proj.weight": rng.standard_normal((16, 8)).astype(np.float32),
               "table": rng.standard_normal((10, 4)).astype(np.float32)}
    checkpoint = os.path.join(workdir, "w.safetensors")
    save_file(weights, checkpoint)
    x = rng.standard_normal((2, 3, 8)).astype(np.float32)
    normed = x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + 1e-6)
    expected = (normed * weights["norm.weight"]) @ weights["proj.weight"].T
    ids = np.array([[0, 9, 3], [4, 4, 1]])

    for target in ("reference", "cpu"):
        f = hm.load(path, target=target, weights=checkpoint, function="norm_linear")
        check(f"{target} name and inputs", f.name == "norm_linear" and f.input_count == 1)
        y = f(x)
        check(f"{target} numpy", isinstance(y, np.ndarray) and y.shape == (2, 3, 16)
              and close(y, expected), f"{y}")
        check(f"{target} float64 in", close(f(x.astype(np.float64)), expected))
        t = f(torch.from_numpy(x))
        check(f"{target} torch in, torch out", isinstance(t, torch.Tensor) and close(t, expected))
        check(f"{target} DLPack in", close(f(DLPackOnly(x)), expected))
        embed = hm.load(path, target=target, weights=checkpoint, function="embed")
        check(f"{target} int64 ids to i32", close(embed(ids), weights["table"][ids]))
        try:
            embed(np.array([[0, 10, 3], [4, 4, 1]]))
            check(f"{target} id outside the table", False, "no error")
        except hm.Error as e:
            check(f"{target} id outside the table", "token id 10" in str(e), str(e))
        try:
            f(x[:, :2])
            check(f"{target} wrong shape", False, "no error")
        except hm.Error as e:
            check(f"{target} wrong shape", "argument 0" in str(e) and "dim 1" in str(e), str(e))

    random = hm.load(path, random_weights=3, function="norm_linear", target="reference")
    check("random weights", random(x).shape == (2, 3, 16))
    for call, expect in (
            (lambda: hm.load(path, weights=checkpoint), "has several functions"),
            (lambda: hm.load(path, function="nope"), "no function named 'nope'"),
            (lambda: hm.load(path, function="norm_linear"), "reads 2 weight(s)"),
            (lambda: hm.load(path, function="norm_linear", weights=checkpoint)(), "takes 1 input"),
            (lambda: hm.load(path, function="norm_linear", weights=checkpoint)("x"),
             "expected a float or integer array")):
        try:
            call()
            check(f"error {expect!r}", False, "no error")
        except hm.Error as e:
            check(f"error {expect!r}", expect in str(e), str(e))
    # Rank-0 tensors (the reference target takes them; 0-d arrays stay 0-d).
    scalar = os.path.join(workdir, "scalar.mlir")
    with open(scalar, "w") as f:
        f.write("func.func @s(%x: tensor<f32>) -> tensor<f32> {\n  return %x : tensor<f32>\n}\n")
    out = hm.load(scalar, target="reference")(np.float32(2.5))
    check("rank-0 in and out", out.shape == () and out == 2.5, f"{out!r}")
    # A constant past the memory is refused at load, before compiling.
    huge = os.path.join(workdir, "huge.mlir")
    with open(huge, "w") as f:
        f.write("func.func @h() -> tensor<200000x200000xf32> {\n"
                "  %c = arith.constant dense<1.0> : tensor<200000x200000xf32>\n"
                "  return %c : tensor<200000x200000xf32>\n}\n")
    try:
        hm.load(huge)
        check("huge constant", False, "no error")
    except hm.Error as e:
        check("huge constant", "arith.constant" in str(e) and "GiB" in str(e), str(e))
    bad = os.path.join(workdir, "bad.mlir")
    with open(bad, "w") as f:
        f.write("func.func @f(%x: tensor<2xf32>) -> tensor<3xf32> {\n  return %x : tensor<2xf32>\n}\n")
    try:
        hm.load(bad)
        check("invalid IR", False, "no error")
    except hm.Error as e:
        check("invalid IR", "is not valid IR" in str(e) and "bad.mlir:2" in str(e), str(e))
    print("ALL OK" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

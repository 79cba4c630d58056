#!/usr/bin/env python3
"""The GPU's own figures for issue 14's targets, measured by PyTorch on the
card that scripts/gpu-check.sh runs on: cuBLAS matmul (bf16 and fp32,
4096^3), SDPA (bf16, B*S = 16k, H*d = 2048, d = 128, causal and not, with
the backend PyTorch picks), and copy bandwidth (1 GiB device to device).
Prints one line per figure; exits 0 without figures where PyTorch or a GPU
is missing (the check's models do not need them)."""
import sys
import time


def timed(fn, repeats=20):
    import torch
    fn()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        print("baselines: no PyTorch here")
        return 0
    if not torch.cuda.is_available():
        print("baselines: PyTorch sees no GPU")
        return 0
    print(f"baselines on {torch.cuda.get_device_name(0)} (PyTorch {torch.__version__}):")
    n = 4096
    for dtype in (torch.bfloat16, torch.float32):
        a = torch.randn(n, n, device="cuda", dtype=dtype)
        b = torch.randn(n, n, device="cuda", dtype=dtype)
        seconds = timed(lambda: a @ b)
        print(f"  matmul {n}^3 {str(dtype)[6:]:9s} {seconds * 1e3:8.3f} ms "
              f"{2 * n ** 3 / seconds / 1e12:7.1f} TFLOP/s")
    batch, seq, heads, dim = 4, 4096, 16, 128
    q, k, v = (torch.randn(batch, heads, seq, dim, device="cuda", dtype=torch.bfloat16)
               for _ in range(3))
    for causal in (False, True):
        seconds = timed(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
        flops = 4 * batch * heads * seq * seq * dim / (2 if causal else 1)
        print(f"  sdpa B={batch} S={seq} H={heads} d={dim} bf16 causal={causal!s:5s} "
              f"{seconds * 1e3:8.3f} ms {flops / seconds / 1e12:7.1f} TFLOP/s")
    source = torch.empty(1 << 28, device="cuda", dtype=torch.float32)
    target = torch.empty_like(source)
    seconds = timed(lambda: target.copy_(source))
    print(f"  copy 1 GiB {seconds * 1e3:8.3f} ms {2 * source.numel() * 4 / seconds / 1e9:7.0f} GB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The runtime's sampler against transformers' own LogitsProcessors.

For random logits and several settings, the distribution the sampler draws
from (hybrid_mlir._core.Sampler.distribution) must equal softmax of HF's
processed scores: RepetitionPenaltyLogitsProcessor, then
TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper and
MinPLogitsWarper, in that order (generate's), on the same logits and the
same seen ids. Tolerance 1e-6 absolute per probability: HF computes in
fp32, the sampler in double.
"""

import sys

import numpy as np
import torch
from transformers.generation import logits_process as lp

from hybrid_mlir import _core

ok = True

SETTINGS = [
    dict(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repetition_penalty=1.0),
    dict(temperature=0.7, top_k=50, top_p=1.0, min_p=0.0, repetition_penalty=1.0),
    dict(temperature=1.3, top_k=10, top_p=0.9, min_p=0.0, repetition_penalty=1.0),
    dict(temperature=1.0, top_k=0, top_p=0.5, min_p=0.0, repetition_penalty=1.2),
    dict(temperature=0.9, top_k=0, top_p=1.0, min_p=0.05, repetition_penalty=1.0),
    dict(temperature=1.5, top_k=20, top_p=0.8, min_p=0.02, repetition_penalty=1.5),
    dict(temperature=0.5, top_k=1, top_p=1.0, min_p=0.0, repetition_penalty=1.0),
]


def hf_probabilities(logits, seen, s):
    scores = torch.from_numpy(logits).reshape(1, -1).clone()
    ids = torch.tensor([seen])
    processors = []
    if s["repetition_penalty"] != 1.0:
        processors.append(lp.RepetitionPenaltyLogitsProcessor(s["repetition_penalty"]))
    if s["temperature"] != 1.0:
        processors.append(lp.TemperatureLogitsWarper(s["temperature"]))
    if s["top_k"] > 0:
        processors.append(lp.TopKLogitsWarper(s["top_k"]))
    if s["top_p"] < 1.0:
        processors.append(lp.TopPLogitsWarper(s["top_p"]))
    if s["min_p"] > 0.0:
        processors.append(lp.MinPLogitsWarper(s["min_p"]))
    for p in processors:
        scores = p(ids, scores)
    return torch.softmax(scores.double(), dim=-1)[0].numpy()


def main():
    global ok
    rng = np.random.default_rng(0)
    for vocab in (32, 1000):
        for i, s in enumerate(SETTINGS):
            logits = (rng.standard_normal(vocab) * 3).astype(np.float32)
            seen = [int(x) for x in rng.integers(0, vocab, size=8)]
            sampler = _core.Sampler(True, s["temperature"], s["top_k"], s["top_p"], s["min_p"],
                                    s["repetition_penalty"], 0)
            ours = np.array(sampler.distribution(logits, seen))
            hf = hf_probabilities(logits, seen, s)
            error = np.abs(ours - hf).max()
            same_support = np.array_equal(ours > 0, hf > 0)
            good = error < 1e-6 and same_support
            ok &= bool(good)
            print(f"vocab {vocab} setting {i} {s}: max |p - p_HF| {error:.1e} "
                  f"{'OK' if good else 'MISMATCH'}")
    print("ALL OK" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

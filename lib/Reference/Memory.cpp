//===- Memory.cpp - Reference content-addressed memory read and write -----===//

#include "hybrid/Reference/Reference.h"

#include <cmath>

using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;

namespace {
/// w[n] = softmax_n(strength · cos(key, M_n)) over the N slots of `memory`
/// (the slice for one batch element, [N, W]).
std::vector<double> address(const float *memory, int64_t slots, int64_t width,
                            const float *key, double strength, double eps) {
  double keyNorm = 0;
  for (int64_t d = 0; d < width; ++d)
    keyNorm += static_cast<double>(key[d]) * key[d];
  keyNorm = std::sqrt(keyNorm);
  std::vector<double> logits(slots);
  double maxLogit = -INFINITY;
  for (int64_t n = 0; n < slots; ++n) {
    double dot = 0, norm = 0;
    for (int64_t d = 0; d < width; ++d) {
      dot += static_cast<double>(key[d]) * memory[n * width + d];
      norm += static_cast<double>(memory[n * width + d]) * memory[n * width + d];
    }
    logits[n] = strength * dot / (keyNorm * std::sqrt(norm) + eps);
    maxLogit = std::max(maxLogit, logits[n]);
  }
  double total = 0;
  for (double &l : logits)
    total += l = std::exp(l - maxLogit);
  for (double &l : logits)
    l /= total;
  return logits;
}
} // namespace

HostTensor reference::memoryRead(const HostTensor &memory,
                                 const HostTensor &keys,
                                 const HostTensor &strength, double eps) {
  const int64_t batch = memory.dim(0), slots = memory.dim(1),
                width = memory.dim(2), seq = keys.dim(1);
  HostTensor out = HostTensor::zeros({batch, seq, width});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < seq; ++s) {
      const float *mem = memory.floats() + b * slots * width;
      std::vector<double> w =
          address(mem, slots, width, keys.floats() + (b * seq + s) * width,
                  strength.floats()[b * seq + s], eps);
      for (int64_t d = 0; d < width; ++d) {
        double sum = 0;
        for (int64_t n = 0; n < slots; ++n)
          sum += w[n] * mem[n * width + d];
        out.floats()[(b * seq + s) * width + d] = static_cast<float>(sum);
      }
    }
  return out;
}

HostTensor reference::memoryWrite(const HostTensor &memory,
                                  const HostTensor &keys,
                                  const HostTensor &strength,
                                  const HostTensor &erase,
                                  const HostTensor &add, const HostTensor *gate,
                                  double eps) {
  const int64_t batch = memory.dim(0), slots = memory.dim(1),
                width = memory.dim(2), seq = keys.dim(1);
  HostTensor out = memory;
  for (int64_t b = 0; b < batch; ++b) {
    float *mem = out.floats() + b * slots * width;
    for (int64_t s = 0; s < seq; ++s) {
      const int64_t row = (b * seq + s) * width;
      std::vector<double> w =
          address(mem, slots, width, keys.floats() + row,
                  strength.floats()[b * seq + s], eps);
      const double g = gate ? gate->floats()[b * seq + s] : 1.0;
      for (int64_t n = 0; n < slots; ++n)
        for (int64_t d = 0; d < width; ++d) {
          const double wn = g * w[n];
          mem[n * width + d] = static_cast<float>(
              mem[n * width + d] * (1.0 - wn * erase.floats()[row + d]) +
              wn * add.floats()[row + d]);
        }
    }
  }
  return out;
}

reference::MemoryReadWriteResult reference::memoryReadWrite(
    const HostTensor &memory, const HostTensor &readKeys,
    const HostTensor &readStrength, const HostTensor &keys,
    const HostTensor &strength, const HostTensor &erase, const HostTensor &add,
    const HostTensor *gate, double eps) {
  const int64_t batch = memory.dim(0), slots = memory.dim(1),
                width = memory.dim(2), seq = keys.dim(1);
  // One token at a time through the read and write above: the read sees the
  // writes of the tokens before it only.
  auto token = [&](const HostTensor &t, int64_t b, int64_t s) {
    const int64_t row = t.rank() == 3 ? width : 1;
    return HostTensor::fromFloats(
        t.rank() == 3 ? std::vector<int64_t>{1, 1, width} : std::vector<int64_t>{1, 1},
        std::vector<float>(t.floats() + (b * seq + s) * row,
                           t.floats() + (b * seq + s + 1) * row));
  };
  MemoryReadWriteResult out{HostTensor::zeros({batch, seq, width}), memory};
  for (int64_t b = 0; b < batch; ++b) {
    float *mem = out.memory.floats() + b * slots * width;
    HostTensor m = HostTensor::fromFloats({1, slots, width},
                                          std::vector<float>(mem, mem + slots * width));
    for (int64_t s = 0; s < seq; ++s) {
      HostTensor read = memoryRead(m, token(readKeys, b, s), token(readStrength, b, s), eps);
      std::copy(read.floats(), read.floats() + width,
                out.reads.floats() + (b * seq + s) * width);
      HostTensor g = gate ? token(*gate, b, s) : HostTensor();
      m = memoryWrite(m, token(keys, b, s), token(strength, b, s), token(erase, b, s),
                      token(add, b, s), gate ? &g : nullptr, eps);
    }
    std::copy(m.floats(), m.floats() + slots * width, mem);
  }
  return out;
}

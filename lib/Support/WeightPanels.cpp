//===- WeightPanels.cpp - Weights stored in the GEMM kernel's panels ------===//

#include "hybrid/Support/WeightPanels.h"

#include <cassert>

using namespace mlir::hybrid;

namespace {
/// out[panel layout] = in[row layout] (pack), or the reverse.
HostTensor reorder(const HostTensor &in, int64_t p, bool pack) {
  assert(in.dtype() == DType::F32 && in.rank() == 2 && p > 0 && in.dim(0) % p == 0);
  const int64_t n = in.dim(0), k = in.dim(1);
  HostTensor out = HostTensor::zeros(in.shape(), DType::F32);
  const float *from = in.floats();
  float *to = out.floats();
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col < k; ++col) {
      const int64_t rowIndex = row * k + col;
      const int64_t panelIndex = ((row / p) * k + col) * p + row % p;
      if (pack)
        to[panelIndex] = from[rowIndex];
      else
        to[rowIndex] = from[panelIndex];
    }
  return out;
}
} // namespace

HostTensor mlir::hybrid::packWeightPanels(const HostTensor &rows, int64_t panelRows) {
  return reorder(rows, panelRows, /*pack=*/true);
}

HostTensor mlir::hybrid::unpackWeightPanels(const HostTensor &panels, int64_t panelRows) {
  return reorder(panels, panelRows, /*pack=*/false);
}

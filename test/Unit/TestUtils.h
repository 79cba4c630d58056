//===- TestUtils.h - Helpers shared by the unit tests -----------*- C++ -*-===//

#ifndef HYBRID_TEST_UNIT_TESTUTILS_H
#define HYBRID_TEST_UNIT_TESTUTILS_H

#include "hybrid/Support/HostTensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace mlir::hybrid::testing {

/// A tensor of uniform values in [lo, hi).
inline HostTensor randomTensor(std::vector<int64_t> shape, std::mt19937 &rng,
                               float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(numElements(shape));
  for (float &v : values)
    v = dist(rng);
  return HostTensor::fromFloats(std::move(shape), std::move(values));
}

/// Checks |actual - expected| <= tol · max(1, max|expected|) element-wise:
/// a tolerance relative to the output's scale, as the project's tests use.
inline ::testing::AssertionResult closeTo(const HostTensor &actual,
                                          const HostTensor &expected,
                                          double tol = 1e-5) {
  if (actual.shape() != expected.shape() || actual.dtype() != expected.dtype())
    return ::testing::AssertionFailure()
           << "type " << actual.typeString() << " vs "
           << expected.typeString();
  if (!expected.isFloat()) { // integers: exactly equal
    for (int64_t n = 0; n < expected.numel(); ++n)
      if (actual.ints()[n] != expected.ints()[n])
        return ::testing::AssertionFailure()
               << "element " << n << ": " << actual.ints()[n] << " vs expected "
               << expected.ints()[n];
    return ::testing::AssertionSuccess();
  }
  double scale = 1.0;
  for (int64_t n = 0; n < expected.numel(); ++n)
    scale = std::max(scale, std::abs(double(expected.floats()[n])));
  for (int64_t n = 0; n < expected.numel(); ++n) {
    double a = actual.floats()[n], e = expected.floats()[n];
    if (!(std::abs(a - e) <= tol * scale))
      return ::testing::AssertionFailure()
             << "element " << n << ": " << a << " vs expected " << e
             << " (tolerance " << tol * scale << ")";
  }
  return ::testing::AssertionSuccess();
}

/// The values of a tensor built from a literal list.
inline HostTensor tensor(std::vector<int64_t> shape, std::vector<float> values) {
  return HostTensor::fromFloats(std::move(shape), std::move(values));
}

} // namespace mlir::hybrid::testing

#endif // HYBRID_TEST_UNIT_TESTUTILS_H

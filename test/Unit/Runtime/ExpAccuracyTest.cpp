//===- ExpAccuracyTest.cpp - The compiled f32 exp against libm ------------===//
//
// hybrid-approximate-math replaces math.exp by arithmetic (with AVX-512,
// its own form ending in llvm.ldexp, i.e. vscalefps). Every softmax, gate
// and scan step goes through it, so it is checked here on its own, tighter
// than any model test can: compiled over 440 thousand inputs (a sweep of
// [-110, 95] and a fine one of [-1, 1], the overflow and underflow edges,
// ±0, ±inf, NaN) against std::exp in double rounded to float. Within 2 ulp
// where the result is a normal float; within 2 units of the smallest
// denormal below that; exactly 0, inf and NaN where those are the answer.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Compiler/JitModule.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Support/HostTensor.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::hybrid;

namespace {

int64_t ulpDistance(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  return std::abs(int64_t(ia) - int64_t(ib)); // both positive here
}

TEST(ApproximateMath, CompiledExpAgainstLibm) {
  std::vector<float> xs{0.0f, -0.0f, 1.0f, -1.0f, 88.3762626f, 88.3762665f, 88.7228317f,
                        88.7228394f, 89.0f, 100.0f, -87.3365479f, -103.278931f, -103.972077f,
                        -104.0f, -150.0f, std::numeric_limits<float>::infinity(),
                        -std::numeric_limits<float>::infinity(),
                        std::numeric_limits<float>::quiet_NaN(), 1e-30f, -1e-30f};
  for (double x = -110.0; x < 95.0; x += 0.001)
    xs.push_back(static_cast<float>(x));
  for (double x = -1.0; x < 1.0; x += 1e-5)
    xs.push_back(static_cast<float>(x));
  const int64_t n = static_cast<int64_t>(xs.size());
  const std::string type = "tensor<" + std::to_string(n) + "xf32>";
  const std::string source = "func.func @f(%x: " + type + ") -> " + type +
                             " {\n  %e = math.exp %x : " + type + "\n  return %e : " + type +
                             "\n}\n";
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  ASSERT_TRUE(module);
  std::string error;
  std::unique_ptr<JitModule> jit = JitModule::compile(*module, error);
  ASSERT_TRUE(jit) << error;
  HostTensor input = HostTensor::fromFloats({n}, xs);
  std::vector<HostTensor> results;
  ASSERT_TRUE(jit->run("f", {&input}, results, error)) << error;
  ASSERT_EQ(results.size(), 1u);
  const float *got = results[0].floats();
  const float denormMin = std::numeric_limits<float>::denorm_min();
  int64_t worstUlp = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float x = xs[i], want = static_cast<float>(std::exp(static_cast<double>(x)));
    if (std::isnan(x)) {
      EXPECT_TRUE(std::isnan(got[i])) << "exp(NaN) gave " << got[i];
    } else if (std::isinf(want) || want == 0.0f) {
      EXPECT_EQ(got[i], want) << "exp(" << x << ")";
    } else if (want < std::numeric_limits<float>::min()) {
      EXPECT_LE(std::fabs(got[i] - want), 2 * denormMin) << "exp(" << x << ") = " << want;
    } else {
      int64_t ulps = ulpDistance(got[i], want);
      worstUlp = std::max(worstUlp, ulps);
      EXPECT_LE(ulps, 2) << "exp(" << x << "): got " << got[i] << ", want " << want;
    }
    if (::testing::Test::HasFailure())
      break;
  }
  RecordProperty("worst_ulp", static_cast<int>(worstUlp));
}

} // namespace

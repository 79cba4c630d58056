//===- ExpAccuracyTest.cpp - The compiled f32 exp against libm ------------===//
//
// hybrid-approximate-math replaces math.exp by arithmetic (on AVX-512
// targets its own form, 2^k applied by llvm.ldexp or vscalefps). Every
// softmax, gate and scan step goes through it, so it is checked here on its
// own, tighter than any model test can: compiled over ~405 thousand inputs
// (a sweep of [-110, 95] and a fine one of [-1, 1], the overflow and
// underflow edges, ±0, ±inf, NaN) against std::exp in double rounded to
// float. Within 2 ulp where the result is a normal float (and finite where
// it is); within one smallest denormal below that; exactly 0, inf and NaN
// where those are the answer.
//
// Scalars (exp inside a linalg.generic, vectorised by LLVM): the target is
// pinned to 512 bits with no CPU named, so the ldexp form is what runs on
// any host (LLVM lowers ldexp everywhere). Explicit vectors (flash
// attention's rows) take vscalefps itself, which needs a target naming
// +avx512f: that section runs where the host has it and is skipped
// elsewhere.
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

std::vector<float> expInputs() {
  std::vector<float> xs{0.0f, -0.0f, 1.0f, -1.0f, 88.3762626f, 88.3762665f, 88.7228317f,
                        88.7228394f, 89.0f, 100.0f, -87.3365479f, -103.278931f, -103.972077f,
                        -104.0f, -150.0f, std::numeric_limits<float>::infinity(),
                        -std::numeric_limits<float>::infinity(),
                        std::numeric_limits<float>::quiet_NaN(), 1e-30f, -1e-30f};
  for (double x = -110.0; x < 95.0; x += 0.001)
    xs.push_back(static_cast<float>(x));
  for (double x = -1.0; x < 1.0; x += 1e-5)
    xs.push_back(static_cast<float>(x));
  while (xs.size() % 64 != 0) // whole vectors for the vector section
    xs.push_back(0.5f);
  return xs;
}

/// @f of `source` compiled and run on `xs`, its results compared with
/// libm's.
void checkAgainstLibm(const std::string &source, const std::vector<float> &xs) {
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  ASSERT_TRUE(module);
  std::string error;
  std::unique_ptr<JitModule> jit = JitModule::compile(*module, error);
  ASSERT_TRUE(jit) << error;
  const int64_t n = static_cast<int64_t>(xs.size());
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
      EXPECT_LE(std::fabs(got[i] - want), denormMin) << "exp(" << x << ") = " << want;
    } else {
      EXPECT_TRUE(std::isfinite(got[i])) << "exp(" << x << ") = " << want << ", got " << got[i];
      int64_t ulps = ulpDistance(got[i], want);
      worstUlp = std::max(worstUlp, ulps);
      EXPECT_LE(ulps, 2) << "exp(" << x << "): got " << got[i] << ", want " << want;
    }
    if (::testing::Test::HasFailure())
      break;
  }
  ::testing::Test::RecordProperty("worst_ulp", static_cast<int>(worstUlp));
}

TEST(ApproximateMath, CompiledExpAgainstLibm) {
  const std::vector<float> xs = expInputs();
  const std::string type = "tensor<" + std::to_string(xs.size()) + "xf32>";
  checkAgainstLibm(
      "module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, "
      "l1_bytes = 32768, l2_bytes = 1048576>} {\n"
      "func.func @f(%x: " + type + ") -> " + type + " {\n  %e = math.exp %x : " + type +
          "\n  return %e : " + type + "\n}\n}\n",
      xs);
}

TEST(ApproximateMath, CompiledVectorExpAgainstLibm) {
  if (!__builtin_cpu_supports("avx512f"))
    GTEST_SKIP() << "vscalefps needs AVX-512F, which this host lacks";
  const std::vector<float> xs = expInputs();
  const std::string n = std::to_string(xs.size()), type = "tensor<" + n + "xf32>";
  checkAgainstLibm(
      "module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, "
      "l1_bytes = 32768, l2_bytes = 1048576, features = \"+avx512f\">} {\n"
      "func.func @f(%x: " + type + ") -> " + type + " {\n"
      "  %c0 = arith.constant 0 : index\n  %c64 = arith.constant 64 : index\n"
      "  %cn = arith.constant " + n + " : index\n  %pad = arith.constant 0.0 : f32\n"
      "  %init = tensor.empty() : " + type + "\n"
      "  %r = scf.for %i = %c0 to %cn step %c64 iter_args(%acc = %init) -> (" + type + ") {\n"
      "    %v = vector.transfer_read %x[%i], %pad {in_bounds = [true]} : " + type +
          ", vector<64xf32>\n"
      "    %e = math.exp %v : vector<64xf32>\n"
      "    %w = vector.transfer_write %e, %acc[%i] {in_bounds = [true]} : vector<64xf32>, " +
          type + "\n"
      "    scf.yield %w : " + type + "\n  }\n  return %r : " + type + "\n}\n}\n",
      xs);
}

} // namespace

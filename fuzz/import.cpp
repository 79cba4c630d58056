//===- import.cpp - Fuzzing the model importers ---------------------------===//
//
// Any bytes as a model's config.json (a Hugging Face config or the project's
// own format): refused with a message, or imported into IR that verifies.
// An importer that builds IR its own verifiers reject is a bug. Odd-sized
// inputs are imported as a generation session's functions (carried state,
// KV caches), even-sized ones as a plain forward pass.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Frontend/Frontend.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

using namespace mlir;

// MLIR's headers, built here with ASan, poison allocator memory that
// libLLVM.so (built without it) then reuses: not an error in our code.
extern "C" const char *__asan_default_options() { return "allow_user_poisoning=0"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The importers read a path: one file per fuzzing process.
  static const std::string path = "/tmp/hybrid-fuzz-import-" + std::to_string(getpid()) + ".json";
  if (FILE *file = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, file);
    std::fclose(file);
  } else {
    abort();
  }

  DialectRegistry registry;
  registry.insert<hybrid::HybridDialect, func::FuncDialect, arith::ArithDialect,
                  math::MathDialect, tensor::TensorDialect>();
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    diagnostics += diagnostic.str() + "\n";
    return success();
  });

  hybrid::ModelInputShape shape;
  shape.seq = 3;
  shape.carryState = size % 2 == 1;
  shape.maxTokens = 32;
  hybrid::ModelInfo info;
  std::string error;
  OwningOpRef<ModuleOp> module = hybrid::importModel(&context, path, shape, info, error);
  if (!module) {
    if (error.empty())
      abort();
    return 0;
  }
  if (failed(verify(*module))) {
    fprintf(stderr, "imported IR does not verify:\n%s", diagnostics.c_str());
    abort();
  }
  return 0;
}

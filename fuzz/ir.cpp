//===- ir.cpp - Fuzzing the IR parser and the hybrid verifiers ------------===//
//
// Any text, read as hybrid-opt reads a file: refused by the nesting bound
// with a line, or by MLIR's parser or a verifier with a diagnostic, or
// accepted. Never a crash, and never a refusal without a message.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Support/IRNestingDepth.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir;

// MLIR's headers, built here with ASan, poison allocator memory that
// libLLVM.so (built without it) then reuses: not an error in our code.
extern "C" const char *__asan_default_options() { return "allow_user_poisoning=0"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // MLIR's lexer stops at a NUL, as the tools' file buffers end.
  const std::string text(reinterpret_cast<const char *>(data), size);
  std::string error;
  if (!hybrid::checkIRNestingDepth(text, error))
    return 0;

  DialectRegistry registry;
  registry.insert<hybrid::HybridDialect, func::FuncDialect, arith::ArithDialect,
                  math::MathDialect, tensor::TensorDialect>();
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  int errors = 0;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    if (diagnostic.getSeverity() == DiagnosticSeverity::Error)
      ++errors;
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
  if (module && failed(verify(*module)) && errors == 0)
    abort();
  if (!module && errors == 0)
    abort();
  return 0;
}

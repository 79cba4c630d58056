//===- ir_nesting.cpp - Fuzzing the tools' bound on IR nesting ------------===//
//
// Any text: accepted, or refused with a message naming a line.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Support/IRNestingDepth.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir::hybrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string error;
  if (!checkIRNestingDepth(std::string_view(reinterpret_cast<const char *>(data), size), error) &&
      error.rfind("line ", 0) != 0)
    abort();
  return 0;
}

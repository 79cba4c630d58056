//===- npy.cpp - Fuzzing the .npy reader ----------------------------------===//
//
// Any bytes: a tensor whose element count matches its shape, or a message.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Support/Npy.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir::hybrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  HostTensor tensor;
  std::string error;
  if (!parseNpy(std::string(reinterpret_cast<const char *>(data), size), "fuzz.npy", tensor,
                error)) {
    if (error.empty())
      abort();
    return 0;
  }
  if (tensor.numel() != numElements(tensor.shape()))
    abort();
  return 0;
}

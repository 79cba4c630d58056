//===- inline_tensor.cpp - Fuzzing --input=SHAPExTYPE=values --------------===//
//
// Any text: a tensor of the shape it names, or a message.
//
//===----------------------------------------------------------------------===//

#include "TensorText.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir::hybrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  HostTensor tensor;
  std::string error;
  if (!parseInlineTensor(std::string(reinterpret_cast<const char *>(data), size), tensor,
                         error)) {
    if (error.empty())
      abort();
    return 0;
  }
  if (tensor.numel() != numElements(tensor.shape()))
    abort();
  return 0;
}

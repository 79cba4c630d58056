//===- safetensors.cpp - Fuzzing the .safetensors reader ------------------===//
//
// Any bytes: the header is refused with a message, or every tensor it lists
// reads (or is refused) without touching memory outside the file.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Support/MappedFile.h"
#include "hybrid/Support/SafeTensors.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir::hybrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string error;
  std::unique_ptr<SafeTensors> file = SafeTensors::parse(
      MappedFile::fromString(std::string(reinterpret_cast<const char *>(data), size)),
      "fuzz.safetensors", error);
  if (!file) {
    if (error.empty())
      abort();
    return 0;
  }
  for (const std::string &name : file->names()) {
    HostTensor tensor;
    std::string readError;
    if (!file->read(name, tensor, readError) && readError.empty())
      abort();
  }
  return 0;
}

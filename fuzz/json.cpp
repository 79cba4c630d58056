//===- json.cpp - Fuzzing the JSON reader ---------------------------------===//
//
// Any text: parse() either succeeds and write() of the result parses back to
// the same text, or it fails with a message; the nesting check and Python's
// literals rewriting never crash.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Support/Json.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir::hybrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string text(reinterpret_cast<const char *>(data), size);
  std::string error;
  json::checkNestingDepth(text, error);
  json::Value value;
  if (json::parse(json::fromPythonJson(text), value, error)) {
    const std::string written = json::write(value);
    json::Value again;
    if (!json::parse(written, again, error) || json::write(again) != written)
      abort(); // write() must produce what parse() reads back identically
  } else if (error.empty()) {
    abort(); // a failure always says why
  }
  return 0;
}

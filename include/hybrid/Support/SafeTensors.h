//===- SafeTensors.h - Reading .safetensors checkpoints ---------*- C++ -*-===//
//
// The Hugging Face safetensors format, read by mmap: an 8-byte
// little-endian header length, a JSON header mapping each tensor name to its
// dtype, shape and [begin, end) byte offsets into the data that follows, and
// an optional "__metadata__" entry. F32, F16 and BF16 tensors are read as
// f32; every malformation is an error naming the file, the tensor and the
// problem.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_SAFETENSORS_H
#define HYBRID_SUPPORT_SAFETENSORS_H

#include "hybrid/Support/HostTensor.h"
#include "hybrid/Support/MappedFile.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlir::hybrid {

class SafeTensors {
public:
  struct Entry {
    std::string dtype; // "F32", "F16", "BF16", ...
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0; // byte offsets into the data section
  };

  ~SafeTensors();

  /// Maps `path` and parses its header. Returns null with `error` set.
  static std::unique_ptr<SafeTensors> open(const std::string &path,
                                           std::string &error);
  /// Parses an in-memory image (for tests); `name` is used in messages.
  static std::unique_ptr<SafeTensors> parse(std::unique_ptr<MappedFile> bytes,
                                            const std::string &name,
                                            std::string &error);

  /// Writes F32 tensors under their names (HF's layout, 8-byte aligned data).
  static bool write(const std::string &path,
                    const std::vector<std::pair<std::string, HostTensor>> &tensors,
                    std::string &error);

  /// Tensor names, sorted.
  std::vector<std::string> names() const;
  /// The entry of `name`, or null.
  const Entry *find(const std::string &name) const;
  /// The "__metadata__" strings.
  const std::map<std::string, std::string> &metadata() const { return meta; }

  /// Reads `name` as f32. With a non-empty `expectedShape` the shape must
  /// match: "weight 'w' has shape [3, 4], expected [4, 4]".
  bool read(const std::string &name, HostTensor &tensor, std::string &error,
            const std::vector<int64_t> &expectedShape = {}) const;

private:
  SafeTensors() = default;
  std::string path;
  std::unique_ptr<MappedFile> buffer;
  uint64_t dataStart = 0;
  std::map<std::string, Entry> entries;
  std::map<std::string, std::string> meta;
};

/// "[3, 4]", as shapes appear in messages.
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_SAFETENSORS_H

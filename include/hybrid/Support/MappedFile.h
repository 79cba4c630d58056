//===- MappedFile.h - A file's bytes, mapped read-only ----------*- C++ -*-===//
//
// Checkpoints are read by mmap (a multi-gigabyte .safetensors file costs no
// copy and no time until its tensors are read), in plain POSIX so that the
// runtime needs no LLVM. In-memory images (tests) use fromString.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_MAPPEDFILE_H
#define HYBRID_SUPPORT_MAPPEDFILE_H

#include <cstdint>
#include <memory>
#include <string>

namespace mlir::hybrid {

class MappedFile {
public:
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  /// Maps `path`; null with `error` = "PATH: cannot open file (REASON)".
  static std::unique_ptr<MappedFile> open(const std::string &path, std::string &error);
  /// Holds `bytes` in memory.
  static std::unique_ptr<MappedFile> fromString(std::string bytes);

  const char *data() const { return begin; }
  uint64_t size() const { return length; }

private:
  MappedFile() = default;
  const char *begin = nullptr;
  uint64_t length = 0;
  void *mapping = nullptr; ///< what munmap takes, or null
  std::string held;        ///< fromString's bytes
};

/// Whether `path` is a regular file, checked before opening it: a device
/// (/dev/zero), a pipe or a directory would be read forever, block, or make
/// no sense. False with `error` naming the path.
bool checkRegularFile(const std::string &path, std::string &error);

/// The whole text of `path`; false with `error` = "PATH: cannot open file
/// (REASON)".
bool readTextFile(const std::string &path, std::string &text, std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_MAPPEDFILE_H

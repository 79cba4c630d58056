//===- MappedFile.cpp - A file's bytes, mapped read-only ------------------===//

#include "hybrid/Support/MappedFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mlir::hybrid;

MappedFile::~MappedFile() {
  if (mapping)
    munmap(mapping, length);
}

bool mlir::hybrid::checkRegularFile(const std::string &path, std::string &error) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    error = path + ": cannot open file (" + std::strerror(errno) + ")";
    return false;
  }
  if (!S_ISREG(info.st_mode)) {
    error = path + ": not a regular file (" +
            (S_ISDIR(info.st_mode) ? "a directory" : "a device, pipe or socket") + ")";
    return false;
  }
  return true;
}

std::unique_ptr<MappedFile> MappedFile::open(const std::string &path,
                                             std::string &error) {
  auto fail = [&](int code) {
    error = path + ": cannot open file (" + std::strerror(code) + ")";
    return nullptr;
  };
  // Not opened at all unless regular: open() of a pipe blocks.
  if (!checkRegularFile(path, error))
    return nullptr;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(errno);
  struct stat info;
  if (fstat(fd, &info) != 0) {
    int code = errno;
    ::close(fd);
    return fail(code);
  }
  if (S_ISDIR(info.st_mode)) {
    ::close(fd);
    return fail(EISDIR);
  }
  std::unique_ptr<MappedFile> file(new MappedFile());
  file->length = uint64_t(info.st_size);
  if (file->length > 0) {
    void *mapped = mmap(nullptr, file->length, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
      int code = errno;
      ::close(fd);
      return fail(code);
    }
    file->mapping = mapped;
    file->begin = static_cast<const char *>(mapped);
  }
  ::close(fd);
  return file;
}

std::unique_ptr<MappedFile> MappedFile::fromString(std::string bytes) {
  std::unique_ptr<MappedFile> file(new MappedFile());
  file->held = std::move(bytes);
  file->begin = file->held.data();
  file->length = file->held.size();
  return file;
}

bool mlir::hybrid::readTextFile(const std::string &path, std::string &text,
                                std::string &error) {
  std::unique_ptr<MappedFile> file = MappedFile::open(path, error);
  if (!file)
    return false;
  text.assign(file->data(), file->size());
  return true;
}

//===- Npy.cpp - Reading and writing .npy files ---------------------------===//

#include "hybrid/Support/Npy.h"

#include <algorithm>
#include "hybrid/Support/MappedFile.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace mlir::hybrid;

namespace {



/// The value of `key` in the header dictionary, e.g. 'descr': '<f4'.
bool findValue(const std::string &header, const std::string &key,
               std::string &value, bool *quoted = nullptr) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return false;
  at = header.find(':', at);
  if (at == std::string::npos)
    return false;
  ++at;
  while (at < header.size() && header[at] == ' ')
    ++at;
  if (at >= header.size())
    return false;
  size_t end;
  if (quoted)
    *quoted = header[at] == '\'';
  if (header[at] == '\'') {
    end = header.find('\'', at + 1);
    if (end == std::string::npos)
      return false;
    value = header.substr(at + 1, end - at - 1);
  } else if (header[at] == '(') {
    end = header.find(')', at);
    if (end == std::string::npos)
      return false;
    value = header.substr(at + 1, end - at - 1);
  } else {
    end = header.find_first_of(",}", at);
    value = header.substr(at, end - at);
  }
  return true;
}

bool parseShape(const std::string &text, std::vector<int64_t> &shape) {
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    size_t first = item.find_first_not_of(" ");
    if (first == std::string::npos)
      continue;
    // The whole item is a decimal dimension ("6e" is not 6).
    char *end = nullptr;
    errno = 0;
    long long dim = std::strtoll(item.c_str() + first, &end, 10);
    if (end == item.c_str() + first || dim < 0 || errno != 0 ||
        item.find_first_not_of(" ", size_t(end - item.c_str())) != std::string::npos)
      return false;
    shape.push_back(dim);
  }
  return true;
}

} // namespace

bool mlir::hybrid::parseNpy(const std::string &bytes, const std::string &name,
                            HostTensor &tensor, std::string &error) {
  auto fail = [&](const std::string &problem) {
    error = name + ": " + problem;
    return false;
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return fail("not a .npy file (missing the \\x93NUMPY magic)");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = static_cast<unsigned char>(bytes[8]) |
                   static_cast<unsigned char>(bytes[9]) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated .npy header");
    headerLength = 0;
    for (int n = 3; n >= 0; --n)
      headerLength = headerLength << 8 | static_cast<unsigned char>(bytes[8 + n]);
    headerStart = 12;
  } else {
    return fail("unsupported .npy format version " + std::to_string(major));
  }
  if (bytes.size() < headerStart + headerLength)
    return fail("truncated .npy header");
  std::string header = bytes.substr(headerStart, headerLength);
  // numpy ends the header with a newline and pads it so that the data starts
  // at a multiple of 64 (16 before numpy 1.9): a header length off by a few
  // bytes breaks one of these rather than shifting every element.
  if (header.empty() || header.back() != '\n' ||
      (headerStart + headerLength) % 16 != 0)
    return fail("malformed .npy header: its length (" + std::to_string(headerLength) +
                ") does not end it at a newline on a 16-byte boundary, as numpy "
                "writes it");

  // numpy reads the header as a Python dict with exactly these three keys
  // (a repeated key would silently take the last value there).
  std::vector<std::string> keys;
  for (size_t at = header.find('\''); at != std::string::npos;) {
    const size_t end = header.find('\'', at + 1);
    if (end == std::string::npos)
      break;
    size_t next = end + 1;
    while (next < header.size() && header[next] == ' ')
      ++next;
    if (next < header.size() && header[next] == ':')
      keys.push_back(header.substr(at + 1, end - at - 1));
    at = header.find('\'', end + 1);
  }
  std::sort(keys.begin(), keys.end());
  if (keys != std::vector<std::string>{"descr", "fortran_order", "shape"})
    return fail("malformed .npy header: numpy's keys are exactly 'descr', 'fortran_order' "
                "and 'shape', once each: " +
                header.substr(0, header.find_last_not_of(" \n") + 1));
  std::string descr, fortran, shapeText;
  bool fortranQuoted = false;
  if (!findValue(header, "descr", descr) ||
      !findValue(header, "fortran_order", fortran, &fortranQuoted) ||
      !findValue(header, "shape", shapeText))
    return fail("malformed .npy header: " + header);
  while (!fortran.empty() && fortran.back() == ' ')
    fortran.pop_back();
  if (fortranQuoted || (fortran != "False" && fortran != "True"))
    return fail("malformed .npy header: 'fortran_order' must be True or False, got " + fortran);
  if (fortran == "True")
    return fail("Fortran-ordered arrays are not supported; save a C-ordered "
                "array (numpy.ascontiguousarray)");
  std::vector<int64_t> shape;
  if (!parseShape(shapeText, shape))
    return fail("malformed shape (" + shapeText + ") in the .npy header");

  // '<' little-endian, '|' not applicable, '=' native (little on x86).
  if (!descr.empty() && descr[0] == '>')
    return fail("big-endian dtype '" + descr + "' is not supported");
  std::string kind = descr.size() > 1 && (descr[0] == '<' || descr[0] == '|' ||
                                          descr[0] == '=')
                         ? descr.substr(1)
                         : descr;
  size_t elementSize;
  if (kind == "f4" || kind == "i4")
    elementSize = 4;
  else if (kind == "i8")
    elementSize = 8;
  else if (kind == "f2" || kind == "V2" || kind == "bfloat16")
    elementSize = 2;
  else
    return fail("unsupported dtype '" + descr +
                "'; expected float32, float16, bfloat16, int32 or int64");
  // Checked: a product that wrapped could match a short file's length.
  std::optional<int64_t> counted = checkedByteCount(shape, int64_t(elementSize));
  if (!counted)
    return fail("shape (" + shapeText + ") has more bytes than a 64-bit count holds");
  const int64_t count = *counted / int64_t(elementSize);
  const size_t dataStart = headerStart + headerLength;
  if (bytes.size() - dataStart != count * elementSize)
    return fail(std::string(bytes.size() - dataStart < count * elementSize
                                ? "truncated data: "
                                : "trailing bytes after the data: ") +
                std::to_string(count) + " elements of " +
                std::to_string(elementSize) + " bytes need " +
                std::to_string(count * elementSize) + " bytes, the file has " +
                std::to_string(bytes.size() - dataStart));
  const char *data = bytes.data() + dataStart;

  if (kind == "f4") {
    std::vector<float> values(count);
    if (count > 0) // memcpy from or to null is undefined even for 0 bytes
      std::memcpy(values.data(), data, count * 4);
    tensor = HostTensor::fromFloats(shape, std::move(values));
  } else if (kind == "f2" || kind == "V2" || kind == "bfloat16") {
    std::vector<float> values(count);
    for (int64_t n = 0; n < count; ++n) {
      uint16_t bits;
      std::memcpy(&bits, data + 2 * n, 2);
      values[n] = kind == "f2" ? halfToFloat(bits) : bfloat16ToFloat(bits);
    }
    tensor = HostTensor::fromFloats(shape, std::move(values));
  } else if (kind == "i4") {
    std::vector<int64_t> values(count);
    for (int64_t n = 0; n < count; ++n) {
      int32_t v;
      std::memcpy(&v, data + 4 * n, 4);
      values[n] = v;
    }
    tensor = HostTensor::fromInts(shape, std::move(values), DType::I32);
  } else {
    std::vector<int64_t> values(count);
    if (count > 0)
      std::memcpy(values.data(), data, count * 8);
    tensor = HostTensor::fromInts(shape, std::move(values), DType::I64);
  }
  return true;
}

bool mlir::hybrid::readNpy(const std::string &path, HostTensor &tensor,
                           std::string &error) {
  if (!checkRegularFile(path, error))
    return false;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = path + ": cannot open file";
    return false;
  }
  std::stringstream contents;
  contents << file.rdbuf();
  return parseNpy(contents.str(), path, tensor, error);
}

bool mlir::hybrid::writeNpy(const std::string &path, const HostTensor &tensor,
                            std::string &error) {
  std::string descr = tensor.dtype() == DType::F32   ? "<f4"
                      : tensor.dtype() == DType::I32 ? "<i4"
                                                     : "<i8";
  std::string shape;
  for (int64_t d : tensor.shape())
    shape += std::to_string(d) + ", ";
  if (tensor.rank() > 1)
    shape.erase(shape.size() - 2); // "2, 3" rather than "2, 3, "
  else if (tensor.rank() == 1)
    shape.erase(shape.size() - 1); // "(4,)"
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': False, 'shape': (" + shape +
                       "), }";
  // Pad so that the data starts at a multiple of 64 bytes.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::ofstream file(path, std::ios::binary);
  if (!file) {
    error = path + ": cannot open file for writing";
    return false;
  }
  file.write("\x93NUMPY\x01\x00", 8);
  uint16_t length = static_cast<uint16_t>(header.size());
  char lengthBytes[2] = {static_cast<char>(length & 0xff),
                         static_cast<char>(length >> 8)};
  file.write(lengthBytes, 2);
  file.write(header.data(), header.size());
  int64_t count = tensor.numel();
  if (tensor.dtype() == DType::F32) {
    file.write(reinterpret_cast<const char *>(tensor.floats()), count * 4);
  } else if (tensor.dtype() == DType::I32) {
    for (int64_t n = 0; n < count; ++n) {
      int32_t v = static_cast<int32_t>(tensor.ints()[n]);
      file.write(reinterpret_cast<const char *>(&v), 4);
    }
  } else {
    file.write(reinterpret_cast<const char *>(tensor.ints()), count * 8);
  }
  // Buffered bytes reach the file (or fail to: a full disk) at close.
  file.close();
  if (!file) {
    error = path + ": write failed";
    return false;
  }
  return true;
}

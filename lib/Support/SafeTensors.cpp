//===- SafeTensors.cpp - Reading .safetensors checkpoints -----------------===//

#include "hybrid/Support/SafeTensors.h"

#include "hybrid/Support/Json.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <tuple>

using namespace mlir::hybrid;

SafeTensors::~SafeTensors() = default;

std::string mlir::hybrid::formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t d = 0; d < shape.size(); ++d)
    text += (d ? ", " : "") + std::to_string(shape[d]);
  return text + "]";
}

namespace {
int64_t bytesPerElement(const std::string &dtype) {
  if (dtype == "F32" || dtype == "I32" || dtype == "U32")
    return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16")
    return 2;
  if (dtype == "F64" || dtype == "I64" || dtype == "U64")
    return 8;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" ||
      dtype == "F8_E5M2")
    return 1;
  return 0;
}

} // namespace

std::unique_ptr<SafeTensors> SafeTensors::open(const std::string &path,
                                               std::string &error) {
  std::unique_ptr<MappedFile> bytes = MappedFile::open(path, error);
  if (!bytes)
    return nullptr;
  return parse(std::move(bytes), path, error);
}

std::unique_ptr<SafeTensors>
SafeTensors::parse(std::unique_ptr<MappedFile> bytes,
                   const std::string &name, std::string &error) {
  auto fail = [&](const std::string &problem) {
    error = name + ": " + problem;
    return nullptr;
  };
  const uint64_t size = bytes->size();
  if (size < 8)
    return fail("not a safetensors file (shorter than its 8-byte header length)");
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i)
    headerLength = headerLength << 8 |
                   static_cast<unsigned char>(bytes->data()[i]);
  if (headerLength > size - 8)
    return fail("header length " + std::to_string(headerLength) +
                " runs past the end of the file (" + std::to_string(size) +
                " bytes)");
  std::string headerText(bytes->data() + 8, headerLength), jsonError;
  json::Value header;
  if (!json::parse(headerText, header, jsonError))
    return fail("malformed JSON header: " + jsonError);
  if (!header.isObject())
    return fail("the JSON header is not an object");

  std::unique_ptr<SafeTensors> file(new SafeTensors());
  file->path = name;
  file->dataStart = 8 + headerLength;
  const uint64_t dataSize = size - file->dataStart;
  for (const auto &[tensorName, value] : header.object) {
    if (tensorName == "__metadata__") {
      // The format's metadata is a map of strings to strings (the
      // safetensors library refuses anything else).
      if (!value.isObject())
        return fail("'__metadata__' must be an object of strings");
      for (const auto &[metaKey, metaValue] : value.object) {
        std::optional<std::string> text = metaValue.asString();
        if (!text)
          return fail("'__metadata__." + metaKey + "' must be a string");
        file->meta[metaKey] = *text;
      }
      continue;
    }
    auto bad = [&](const std::string &problem) {
      return fail("tensor '" + tensorName + "': " + problem);
    };
    if (!value.isObject())
      return bad("its entry is not an object");
    Entry entry;
    const json::Value *dtype = value.get("dtype"), *shape = value.get("shape"),
                      *offsets = value.get("data_offsets");
    if (!dtype || !dtype->isString() || !shape || !shape->isArray() || !offsets ||
        !offsets->isArray() || offsets->array.size() != 2)
      return bad("needs 'dtype', 'shape' and two 'data_offsets'");
    entry.dtype = dtype->string;
    for (const json::Value &dim : shape->array) {
      std::optional<int64_t> d = dim.asInteger();
      if (!d || *d < 0)
        return bad("shape entries must be non-negative integers");
      entry.shape.push_back(*d);
    }
    std::optional<int64_t> begin = offsets->array[0].asInteger(),
                           end = offsets->array[1].asInteger();
    if (!begin || !end || *begin < 0 || *end < *begin)
      return bad("data_offsets must be two increasing non-negative integers");
    entry.begin = *begin;
    entry.end = *end;
    if (entry.end > dataSize)
      return bad("data_offsets [" + std::to_string(entry.begin) + ", " +
                 std::to_string(entry.end) + ") run past the " +
                 std::to_string(dataSize) + " bytes of data");
    int64_t width = bytesPerElement(entry.dtype);
    if (width == 0)
      return bad("unknown dtype '" + entry.dtype + "'");
    std::optional<int64_t> counted = checkedByteCount(entry.shape, width);
    if (!counted)
      return bad("shape " + formatShape(entry.shape) + " has more bytes than a 64-bit count holds");
    const uint64_t expected = uint64_t(*counted);
    if (entry.end - entry.begin != expected)
      return bad("holds " + std::to_string(entry.end - entry.begin) +
                 " bytes, but " + entry.dtype + " " + formatShape(entry.shape) +
                 " needs " + std::to_string(expected));
    file->entries[tensorName] = std::move(entry);
  }
  // As the format says (and the safetensors library checks): the tensors
  // cover the data section exactly, in order, without gaps or overlaps. A
  // header length off by a few bytes otherwise still parses (HF pads the
  // header with spaces) and every tensor would be read from a shifted offset.
  std::vector<std::pair<uint64_t, const std::string *>> order;
  for (const auto &[tensorName, entry] : file->entries)
    order.push_back({entry.begin, &tensorName});
  std::sort(order.begin(), order.end(), [&](const auto &a, const auto &b) {
    const Entry &x = file->entries[*a.second], &y = file->entries[*b.second];
    return std::tie(x.begin, x.end) < std::tie(y.begin, y.end);
  });
  uint64_t covered = 0;
  const std::string *previous = nullptr;
  for (const auto &[begin, tensorName] : order) {
    const Entry &entry = file->entries[*tensorName];
    if (entry.begin < covered)
      return fail("tensor '" + *tensorName + "': data_offsets [" +
                  std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                  ") overlap tensor '" + *previous + "'");
    if (entry.begin > covered)
      return fail("tensor '" + *tensorName + "' starts at byte " +
                  std::to_string(entry.begin) + " of the data, leaving a gap after " +
                  (previous ? "tensor '" + *previous + "'" : std::string("the header")) +
                  " (the data must be covered exactly)");
    covered = entry.end;
    previous = tensorName;
  }
  if (covered != dataSize)
    return fail("the tensors cover " + std::to_string(covered) + " bytes of the " +
                std::to_string(dataSize) + " bytes after the header (header length " +
                std::to_string(headerLength) + " is wrong, or the file has trailing bytes)");
  file->buffer = std::move(bytes);
  return file;
}

bool SafeTensors::write(
    const std::string &path,
    const std::vector<std::pair<std::string, HostTensor>> &tensors,
    std::string &error) {
  json::Value header = json::Value::makeObject();
  header.set("__metadata__",
             json::Value::makeObject({{"format", json::Value::makeString("pt")}}));
  uint64_t offset = 0;
  for (const auto &[name, tensor] : tensors) {
    if (!tensor.isFloat()) {
      error = path + ": tensor '" + name + "' is not f32";
      return false;
    }
    std::vector<json::Value> shape;
    for (int64_t d : tensor.shape())
      shape.push_back(json::Value::makeInteger(d));
    uint64_t bytes = 4 * uint64_t(tensor.numel());
    header.set(name, json::Value::makeObject(
                         {{"dtype", json::Value::makeString("F32")},
                          {"shape", json::Value::makeArray(std::move(shape))},
                          {"data_offsets",
                           json::Value::makeArray(
                               {json::Value::makeInteger(int64_t(offset)),
                                json::Value::makeInteger(int64_t(offset + bytes))})}}));
    offset += bytes;
  }
  std::string text = json::write(header);
  text.append((8 - text.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    error = path + ": cannot open file for writing (" + std::strerror(errno) + ")";
    return false;
  }
  uint64_t length = text.size();
  for (int i = 0; i < 8; ++i)
    out << static_cast<char>((length >> (8 * i)) & 0xff);
  out << text;
  for (const auto &entry : tensors)
    out.write(reinterpret_cast<const char *>(entry.second.floats()),
              4 * entry.second.numel());
  out.close();
  if (!out) {
    error = path + ": writing failed (" + std::strerror(errno) + ")";
    return false;
  }
  return true;
}

std::vector<std::string> SafeTensors::names() const {
  std::vector<std::string> result;
  for (const auto &entry : entries)
    result.push_back(entry.first);
  return result;
}

const SafeTensors::Entry *SafeTensors::find(const std::string &name) const {
  auto it = entries.find(name);
  return it == entries.end() ? nullptr : &it->second;
}

bool SafeTensors::read(const std::string &name, HostTensor &tensor,
                       std::string &error,
                       const std::vector<int64_t> &expectedShape) const {
  const Entry *entry = find(name);
  if (!entry) {
    error = path + ": missing weight '" + name + "'";
    return false;
  }
  if (!expectedShape.empty() && entry->shape != expectedShape) {
    error = path + ": weight '" + name + "' has shape " +
            formatShape(entry->shape) + ", expected " +
            formatShape(expectedShape);
    return false;
  }
  const char *data = buffer->data() + dataStart + entry->begin;
  const int64_t count = numElements(entry->shape);
  std::vector<float> values(count);
  if (entry->dtype == "F32") {
    if (count > 0) // memcpy from or to null is undefined even for 0 bytes
      std::memcpy(values.data(), data, count * 4);
  } else if (entry->dtype == "F16" || entry->dtype == "BF16") {
    for (int64_t n = 0; n < count; ++n) {
      uint16_t bits;
      std::memcpy(&bits, data + 2 * n, 2);
      values[n] = entry->dtype == "F16" ? halfToFloat(bits)
                                         : bfloat16ToFloat(bits);
    }
  } else {
    error = path + ": weight '" + name + "' has dtype " + entry->dtype +
            "; expected F32, F16 or BF16";
    return false;
  }
  tensor = HostTensor::fromFloats(entry->shape, std::move(values));
  return true;
}

//===- HostTensor.cpp - Dense tensors in host memory ----------------------===//

#include "hybrid/Support/HostTensor.h"

#include <cassert>
#include <cstdio>
#include <cstring>
#include <sys/resource.h>
#include <unistd.h>

using namespace mlir::hybrid;

const char *mlir::hybrid::stringifyDType(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  case DType::BF16:
    return "bf16";
  }
  return "?";
}

int64_t mlir::hybrid::numElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::optional<int64_t> mlir::hybrid::checkedByteCount(const std::vector<int64_t> &shape,
                                                      int64_t elementBytes) {
  int64_t bytes = elementBytes;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(bytes, d, &bytes))
      return std::nullopt;
  return bytes;
}

double mlir::hybrid::availableMemoryBytes() {
  // What the kernel says can be allocated without swapping (MemAvailable),
  // else the physical memory; never more than the address-space limit
  // (ulimit -v) the process runs under.
  double memory = 0;
  if (FILE *meminfo = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, meminfo)) {
      unsigned long long kib;
      if (std::sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
        memory = double(kib) * 1024.0;
        break;
      }
    }
    std::fclose(meminfo);
  }
  if (memory <= 0) {
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
    memory = pages > 0 && pageSize > 0 ? double(pages) * double(pageSize) : 0;
  }
  struct rlimit limit;
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      (memory <= 0 || double(limit.rlim_cur) < memory))
    memory = double(limit.rlim_cur);
  return memory;
}

bool mlir::hybrid::checkAllocation(const std::vector<int64_t> &shape, int64_t elementBytes,
                                   const std::string &what, std::string &error,
                                   MemoryBudget *budget) {
  std::optional<int64_t> counted = checkedByteCount(shape, elementBytes);
  if (!counted) {
    error = what + ": a tensor of that shape has more bytes than a 64-bit count holds";
    return false;
  }
  const int64_t bytes = *counted;
  // A budget measures what is available once, before its first tensor:
  // what it has allocated since is counted in `used`, not measured again.
  double memory;
  if (budget) {
    if (budget->available <= 0)
      budget->available = availableMemoryBytes();
    memory = budget->available;
  } else {
    memory = availableMemoryBytes();
  }
  const double used = budget ? double(budget->used) : 0.0;
  if (memory > 0 && double(bytes) + used > memory) {
    char text[200];
    if (used > 0)
      snprintf(text, sizeof(text),
               ": needs %.3g GiB, which with the %.3g GiB before it is more than the "
               "%.3g GiB of memory available",
               double(bytes) / (1 << 30), used / (1 << 30), memory / (1 << 30));
    else
      snprintf(text, sizeof(text), ": needs %.3g GiB, more than the %.3g GiB of memory available",
               double(bytes) / (1 << 30), memory / (1 << 30));
    error = what + text;
    return false;
  }
  if (budget)
    budget->used += bytes;
  return true;
}

HostTensor HostTensor::zeros(std::vector<int64_t> shape, DType dtype) {
  HostTensor t;
  t.type = dtype;
  t.dims = std::move(shape);
  if (dtype == DType::F32)
    t.f32.assign(numElements(t.dims), 0.0f);
  else if (dtype == DType::BF16)
    t.b16.assign(numElements(t.dims), 0);
  else
    t.i64.assign(numElements(t.dims), 0);
  return t;
}

HostTensor HostTensor::fromFloats(std::vector<int64_t> shape,
                                  std::vector<float> values) {
  assert(numElements(shape) == static_cast<int64_t>(values.size()));
  HostTensor t;
  t.dims = std::move(shape);
  t.f32 = std::move(values);
  return t;
}

HostTensor HostTensor::fromInts(std::vector<int64_t> shape,
                                std::vector<int64_t> values, DType dtype) {
  assert(numElements(shape) == static_cast<int64_t>(values.size()));
  HostTensor t;
  t.type = dtype;
  t.dims = std::move(shape);
  t.i64 = std::move(values);
  return t;
}

int64_t HostTensor::numel() const { return numElements(dims); }

HostTensor HostTensor::roundedToBFloat16() const {
  assert(type == DType::F32);
  HostTensor t;
  t.type = DType::BF16;
  t.dims = dims;
  t.b16.resize(f32.size());
  for (size_t n = 0; n < f32.size(); ++n)
    t.b16[n] = floatToBFloat16(f32[n]);
  return t;
}

HostTensor HostTensor::widenedFromBFloat16() const {
  assert(type == DType::BF16);
  std::vector<float> values(b16.size());
  for (size_t n = 0; n < b16.size(); ++n)
    values[n] = bfloat16ToFloat(b16[n]);
  return fromFloats(dims, std::move(values));
}

HostTensor HostTensor::reshaped(std::vector<int64_t> shape) const {
  assert(numElements(shape) == numel());
  HostTensor t = *this;
  t.dims = std::move(shape);
  return t;
}

std::string HostTensor::typeString() const {
  std::string text;
  for (int64_t d : dims)
    text += std::to_string(d) + "x";
  return text + stringifyDType(type);
}

float mlir::hybrid::halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1f,
           mantissa = h & 0x3ff, bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else { // Subnormal: renormalise.
      exponent = 127 - 15 + 1;
      while (!(mantissa & 0x400)) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

float mlir::hybrid::bfloat16ToFloat(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

uint16_t mlir::hybrid::floatToBFloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u) // NaN: keep it one, quiet
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  // Adding 0x7fff plus the kept part's lowest bit rounds to nearest with
  // ties to even; a carry into the exponent is the right result (up to inf).
  bits += 0x7fffu + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

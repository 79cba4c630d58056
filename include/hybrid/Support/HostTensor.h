//===- HostTensor.h - Dense tensors in host memory --------------*- C++ -*-===//
//
// The value the reference evaluator computes on and the runtime reads and
// writes: a row-major tensor of f32 or integers (i32/i64, held as int64).
// bf16 tensors exist for weights kept in bfloat16 (--weight-type=bf16):
// the runtime stores and passes them, nothing computes on them here.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_HOSTTENSOR_H
#define HYBRID_SUPPORT_HOSTTENSOR_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::hybrid {

enum class DType { F32, I32, I64, BF16 };

const char *stringifyDType(DType dtype);

class HostTensor {
public:
  HostTensor() = default;
  static HostTensor zeros(std::vector<int64_t> shape, DType dtype = DType::F32);
  static HostTensor fromFloats(std::vector<int64_t> shape,
                               std::vector<float> values);
  static HostTensor fromInts(std::vector<int64_t> shape,
                             std::vector<int64_t> values,
                             DType dtype = DType::I64);

  DType dtype() const { return type; }
  bool isFloat() const { return type == DType::F32; }
  const std::vector<int64_t> &shape() const { return dims; }
  int64_t rank() const { return static_cast<int64_t>(dims.size()); }
  int64_t dim(int64_t d) const { return dims[d < 0 ? d + rank() : d]; }
  int64_t numel() const;

  /// Element storage: `floats()` for F32, `ints()` for I32 and I64,
  /// `bfloat16s()` (bit patterns) for BF16.
  float *floats() { return f32.data(); }
  const float *floats() const { return f32.data(); }
  int64_t *ints() { return i64.data(); }
  const int64_t *ints() const { return i64.data(); }
  uint16_t *bfloat16s() { return b16.data(); }
  const uint16_t *bfloat16s() const { return b16.data(); }

  /// An F32 tensor's values rounded to bfloat16 (to nearest, ties to even,
  /// as torch's `.to(torch.bfloat16)`), as a BF16 tensor.
  HostTensor roundedToBFloat16() const;
  /// A BF16 tensor's values as an F32 tensor (exact).
  HostTensor widenedFromBFloat16() const;

  /// The same elements under another shape with as many elements.
  HostTensor reshaped(std::vector<int64_t> shape) const;

  /// "2x3xf32", the spelling of MLIR tensor types and of error messages.
  std::string typeString() const;

private:
  DType type = DType::F32;
  std::vector<int64_t> dims;
  std::vector<float> f32;
  std::vector<int64_t> i64;
  std::vector<uint16_t> b16;
};

/// IEEE half and bfloat16 bit patterns as f32 (exact).
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);
/// `value` rounded to the nearest bfloat16, ties to even; NaN stays a
/// (quiet) NaN of the same sign.
uint16_t floatToBFloat16(float value);

/// Product of the dimensions.
int64_t numElements(const std::vector<int64_t> &shape);

/// The byte count of `shape` at `elementBytes` per element, or nullopt when
/// a dimension is negative or the count overflows int64: file readers
/// compare it with the bytes they have, so it must never wrap.
std::optional<int64_t> checkedByteCount(const std::vector<int64_t> &shape,
                                        int64_t elementBytes);

/// The bytes this process can still allocate: the kernel's MemAvailable
/// (else the physical memory), capped by the address-space limit.
double availableMemoryBytes();

/// Tensors that must fit in memory together (a model's weights): what they
/// use so far, and what was available before the first.
struct MemoryBudget {
  int64_t used = 0;
  double available = 0;
};

/// Whether a tensor of `shape` with `elementBytes` per element can be
/// allocated: its byte count must not overflow and must fit in the memory
/// available (availableMemoryBytes), with `budget`'s earlier tensors when
/// given (it then counts this one too). Otherwise false, with `error`
/// naming `what` and the sizes. Checked before allocating, so that a
/// too-large request is an error, never an abort.
bool checkAllocation(const std::vector<int64_t> &shape, int64_t elementBytes,
                     const std::string &what, std::string &error,
                     MemoryBudget *budget = nullptr);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_HOSTTENSOR_H

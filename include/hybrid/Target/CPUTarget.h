//===- CPUTarget.h - What the code generator knows about a CPU --*- C++ -*-===//
//
// Tile sizes come from here, not from literals in passes: the widest vector
// register and the cache sizes of the machine the code is built for.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TARGET_CPUTARGET_H
#define HYBRID_TARGET_CPUTARGET_H

#include <cstdint>

namespace mlir::hybrid {

struct CPUTarget {
  /// Bits of the widest vector register (512 with AVX-512).
  int64_t vectorBits = 128;
  /// Per-core data cache sizes in bytes.
  int64_t l1Bytes = 32 * 1024;
  int64_t l2Bytes = 1024 * 1024;

  /// This machine, from its CPU features and cache sizes.
  static CPUTarget host();

  /// Elements of `bits` width in one vector register.
  int64_t lanes(int64_t bits = 32) const { return vectorBits / bits; }
};

} // namespace mlir::hybrid

#endif // HYBRID_TARGET_CPUTARGET_H

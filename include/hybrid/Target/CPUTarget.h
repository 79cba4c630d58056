//===- CPUTarget.h - What the code generator knows about a CPU --*- C++ -*-===//
//
// Tile sizes come from here, not from literals in passes: the widest vector
// register and the cache sizes of the machine the code is built for. The
// passes read it from the module's `hybrid.target` attribute
// (`#hybrid.cpu_target<…>`, see HybridAttrs.td); only the drivers call
// host(), so a pinned target gives the same code on every machine.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TARGET_CPUTARGET_H
#define HYBRID_TARGET_CPUTARGET_H

#include <cstdint>
#include <string>

namespace mlir::hybrid {

struct CPUTarget {
  /// Bits of the widest vector register (512 with AVX-512).
  int64_t vectorBits = 512;
  /// Per-core data cache sizes in bytes.
  int64_t l1Bytes = 48 * 1024;
  int64_t l2Bytes = 2 * 1024 * 1024;
  /// LLVM's CPU name and feature string for code emission; empty: the host's.
  std::string cpu;
  std::string features;

  /// This machine, from its CPU features and cache sizes. Only drivers call
  /// it; passes read the module's target.
  static CPUTarget host();

  /// A CPU every x86-64 machine has (LLVM's "x86-64", 128-bit vectors):
  /// for the host code shipped beside GPU kernels, which runs on whatever
  /// CPU the GPU machine has.
  static CPUTarget generic();

  /// Elements of `bits` width in one vector register.
  int64_t lanes(int64_t bits = 32) const { return vectorBits / bits; }
};

} // namespace mlir::hybrid

#endif // HYBRID_TARGET_CPUTARGET_H

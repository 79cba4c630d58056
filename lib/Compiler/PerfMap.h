//===- PerfMap.h - Name the JIT's code for perf -----------------*- C++ -*-===//
//
// With HYBRID_PERF_MAP set (to anything but "0"), every function the JIT
// links is appended to /tmp/perf-<pid>.map, the file `perf report` reads to
// name code that no file on disk holds: the layers, their `..omp_par`
// regions and the GEMM kernels, internal symbols included.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_COMPILER_PERFMAP_H
#define HYBRID_LIB_COMPILER_PERFMAP_H

namespace llvm::orc {
class LLJIT;
} // namespace llvm::orc

namespace mlir::hybrid {

/// Adds the perf-map writer to `jit`'s linking layer when HYBRID_PERF_MAP
/// asks for it; otherwise does nothing.
void addPerfMapIfRequested(llvm::orc::LLJIT &jit);

} // namespace mlir::hybrid

#endif // HYBRID_LIB_COMPILER_PERFMAP_H

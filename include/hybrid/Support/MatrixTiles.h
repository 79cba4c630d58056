//===- MatrixTiles.h - Asking Linux for AMX's tile state --------*- C++ -*-===//
//
// Linux hands AMX's tile state to a process only when asked
// (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)); without it the first
// tile instruction faults. The host's target keeps its AMX features only where
// the request succeeds, and the runtime asks before any compiled code runs, so
// both read this one answer.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_MATRIXTILES_H
#define HYBRID_SUPPORT_MATRIXTILES_H

namespace mlir::hybrid {

/// Asks once per process; later calls return the first answer. False off
/// x86-64 Linux, or where the kernel or the CPU has no AMX.
bool requestMatrixTiles();

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_MATRIXTILES_H

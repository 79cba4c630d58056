//===- Threads.h - How many threads compiled code uses ----------*- C++ -*-===//
//
// Compiled parallel loops (scf.parallel → OpenMP) run on libomp's thread
// team; this sets its size for every later call, JIT or artifact. Each
// parallel loop's iterations write disjoint outputs and compute them the
// same way whichever thread runs them, so results are identical for any
// thread count.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_RUNTIME_THREADS_H
#define HYBRID_RUNTIME_THREADS_H

#include <string>

namespace mlir::hybrid {

/// More threads than this is a typo, not a machine (libomp would try).
constexpr long kMaxThreads = 1024;

/// Uses `threads` threads from now on; 0 keeps the default, which is
/// OMP_NUM_THREADS where the environment sets it and every core of the
/// affinity mask otherwise. False, with `error` naming --threads and the
/// value, outside 0 .. kMaxThreads.
bool setThreadCount(long threads, std::string &error);

/// The thread count later calls use.
int threadCount();

} // namespace mlir::hybrid

#endif // HYBRID_RUNTIME_THREADS_H

//===- Threads.cpp - How many threads compiled code uses ------------------===//

#include "hybrid/Runtime/Threads.h"

// libomp's C API, declared here rather than through omp.h, which Debian
// installs under clang's resource directory only.
extern "C" {
void omp_set_num_threads(int);
int omp_get_max_threads(void);
int omp_get_num_procs(void);
}

namespace {
// More threads than this is a typo, not a machine (libomp would try).
constexpr int kMaxThreads = 1024;
} // namespace

int mlir::hybrid::availableCores() { return omp_get_num_procs(); }

bool mlir::hybrid::setThreadCount(int threads, std::string &error) {
  if (threads < 0 || threads > kMaxThreads) {
    error = "--threads=" + std::to_string(threads) +
            ": the thread count must be 0 (all cores) or 1 to " +
            std::to_string(kMaxThreads);
    return false;
  }
  // 0 leaves libomp's own default: OMP_NUM_THREADS where set, else every
  // core of the affinity mask.
  if (threads > 0)
    omp_set_num_threads(threads);
  return true;
}

int mlir::hybrid::threadCount() { return omp_get_max_threads(); }

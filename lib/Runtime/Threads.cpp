//===- Threads.cpp - How many threads compiled code uses ------------------===//

#include "hybrid/Runtime/Threads.h"

// libomp's C API, declared here rather than through omp.h, which Debian
// installs under clang's resource directory only.
extern "C" {
void omp_set_num_threads(int);
int omp_get_max_threads(void);
}

bool mlir::hybrid::setThreadCount(long threads, std::string &error) {
  if (threads < 0 || threads > kMaxThreads) {
    error = "--threads takes 0 (every core) or a thread count up to " +
            std::to_string(kMaxThreads) + ", got '" + std::to_string(threads) + "'";
    return false;
  }
  // 0 leaves libomp's own default: OMP_NUM_THREADS where set, else every
  // core of the affinity mask.
  if (threads > 0)
    omp_set_num_threads(int(threads));
  return true;
}

int mlir::hybrid::threadCount() { return omp_get_max_threads(); }

//===- HeapReuse.cpp - Keeping large freed buffers in the heap ------------===//

#include "hybrid/Support/HeapReuse.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void mlir::hybrid::keepLargeBuffersInHeap() {
#if defined(__GLIBC__)
  static const bool done = [] {
    const char *opt = std::getenv("HYBRID_HEAP_REUSE");
    if ((opt && std::strcmp(opt, "0") == 0) || std::getenv("MALLOC_MMAP_THRESHOLD_") ||
        std::getenv("MALLOC_TRIM_THRESHOLD_") || std::getenv("GLIBC_TUNABLES"))
      return false;
    // 1 GiB where glibc takes it; its documented maximum (32 MiB on 64-bit)
    // otherwise. Either turns off the threshold's own adjustment.
    if (!mallopt(M_MMAP_THRESHOLD, 1 << 30))
      mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)done;
#endif
}

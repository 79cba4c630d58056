//===- Allocator.cpp - Heap settings for compiled code --------------------===//

#include "hybrid/Runtime/Allocator.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void mlir::hybrid::keepFreedBuffersForReuse() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char *keep = std::getenv("HYBRID_MALLOC_DEFAULTS");
    if (keep && std::strcmp(keep, "1") == 0)
      return;
#if defined(__GLIBC__)
    // A fixed threshold also stops glibc from moving it, so every buffer
    // below 32 MiB comes from the heap, and freed ones stay there.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  });
}

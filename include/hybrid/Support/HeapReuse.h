//===- HeapReuse.h - Keeping large freed buffers in the heap ----*- C++ -*-===//
//
// Compiled code allocates its large intermediate tensors with malloc and
// frees them before it returns. glibc serves a block above its mmap
// threshold with a fresh mmap and returns it to the kernel on free, so every
// call faults in every page of every large buffer again (a 2048-token
// RG-LRU spent a third of its time in page faults). Raising the mmap and trim
// thresholds keeps freed buffers in the heap for the next call, as a caching
// allocator would: memory the model used once stays with the process.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_HEAPREUSE_H
#define HYBRID_SUPPORT_HEAPREUSE_H

namespace mlir::hybrid {

/// Once per process, before compiled code runs. Leaves glibc's settings
/// alone where the user chose them (MALLOC_MMAP_THRESHOLD_,
/// MALLOC_TRIM_THRESHOLD_, GLIBC_TUNABLES) or set HYBRID_HEAP_REUSE=0; does
/// nothing off glibc.
void keepLargeBuffersInHeap();

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_HEAPREUSE_H

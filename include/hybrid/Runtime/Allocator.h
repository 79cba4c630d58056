//===- Allocator.h - Heap settings for compiled code ------------*- C++ -*-===//
//
// Compiled code allocates its intermediate buffers with malloc on every
// call. glibc serves blocks above its mmap threshold (128 KiB until the
// first such block is freed) with fresh mappings that the kernel zeroes on
// first touch and unmaps on free, and trims freed heap back to the kernel:
// a decode step whose KV-cache buffers are megabytes then pays page faults
// and zeroing for every buffer on every call (Gemma 2, 8 layers: 27.5
// ms/token instead of 15 after a short prompt, measured).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_RUNTIME_ALLOCATOR_H
#define HYBRID_RUNTIME_ALLOCATOR_H

namespace mlir::hybrid {

/// Once per process: keeps freed buffers in the heap for the next call
/// (mmap threshold 32 MiB, glibc's largest; no trimming below 1 GiB of free
/// heap). Model::create calls it; HYBRID_MALLOC_DEFAULTS=1 in the
/// environment keeps glibc's defaults.
void keepFreedBuffersForReuse();

} // namespace mlir::hybrid

#endif // HYBRID_RUNTIME_ALLOCATOR_H

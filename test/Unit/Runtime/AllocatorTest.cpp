//===- AllocatorTest.cpp - Freed buffers stay in the heap -----------------===//
//
// After keepFreedBuffersForReuse, a 4 MiB buffer (a KV cache's size) comes
// from the heap, not from a fresh mapping that the kernel must zero on first
// touch: glibc counts mapped blocks in mallinfo2().hblks.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Runtime/Allocator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <malloc.h>

TEST(Allocator, LargeBuffersComeFromTheHeap) {
  mlir::hybrid::keepFreedBuffersForReuse();
  const size_t mappedBefore = mallinfo2().hblks;
  void *buffer = std::malloc(size_t(4) << 20);
  ASSERT_NE(buffer, nullptr);
  EXPECT_EQ(mallinfo2().hblks, mappedBefore);
  std::free(buffer);
}

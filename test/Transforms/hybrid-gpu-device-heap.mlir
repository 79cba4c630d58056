// RUN: hybrid-opt %s --hybrid-gpu-device-heap --split-input-file --verify-diagnostics | FileCheck %s

// A kernel's per-step buffer, after the memref lowering: the host
// allocator's calls become the device heap's; the host keeps its own.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK: gpu.module @hybrid_kernels
// CHECK-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @free(!llvm.ptr)
// CHECK: llvm.func @step_kernel
// CHECK: llvm.call @malloc(%{{.*}}) : (i64) -> !llvm.ptr
// CHECK: llvm.call @free(%{{.*}}) : (!llvm.ptr) -> ()
// CHECK-NOT: _mlir_memref_to_llvm
// CHECK: }
// CHECK: llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
// CHECK: llvm.func @host
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
module attributes {gpu.container_module} {
  gpu.module @hybrid_kernels {
    llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
    llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr)
    llvm.func @step_kernel(%bytes: i64) attributes {gpu.kernel, nvvm.kernel} {
      %buffer = llvm.call @_mlir_memref_to_llvm_alloc(%bytes) : (i64) -> !llvm.ptr
      llvm.call @_mlir_memref_to_llvm_free(%buffer) : (!llvm.ptr) -> ()
      llvm.return
    }
  }
  llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
  llvm.func @host(%bytes: i64) -> !llvm.ptr {
    %buffer = llvm.call @_mlir_memref_to_llvm_alloc(%bytes) : (i64) -> !llvm.ptr
    llvm.return %buffer : !llvm.ptr
  }
}

// -----

// The device heap has no aligned allocation.
module attributes {gpu.container_module} {
  gpu.module @hybrid_kernels {
    // expected-error @below {{hybrid-gpu-device-heap: a kernel allocates an aligned buffer, which the device heap (malloc) does not provide}}
    llvm.func @_mlir_memref_to_llvm_aligned_alloc(i64, i64) -> !llvm.ptr
  }
}

// -----

// A kernel module that declares malloc already: calls go to it.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-NOT: llvm.func @malloc
// CHECK: llvm.call @malloc
module attributes {gpu.container_module} {
  gpu.module @hybrid_kernels {
    llvm.func @malloc(i64) -> !llvm.ptr
    llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
    llvm.func @k(%bytes: i64) -> !llvm.ptr {
      %buffer = llvm.call @_mlir_memref_to_llvm_alloc(%bytes) : (i64) -> !llvm.ptr
      llvm.return %buffer : !llvm.ptr
    }
  }
}

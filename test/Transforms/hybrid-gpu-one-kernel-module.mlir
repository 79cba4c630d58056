// RUN: hybrid-opt %s --gpu-kernel-outlining --hybrid-gpu-one-kernel-module --split-input-file --verify-diagnostics | FileCheck %s

// Three kernels from two functions (gpu-kernel-outlining names two of them
// @first_kernel, in modules of their own) and one helper both call: one
// module, each kernel named after the module it came from, one copy of the
// helper, every launch pointing into it.
// CHECK-LABEL: func.func @first
// CHECK: gpu.launch_func  @hybrid_kernels::@first_kernel blocks
// CHECK: gpu.launch_func  @hybrid_kernels::@first_kernel_0 blocks
// CHECK: gpu.module @hybrid_kernels
// CHECK-DAG: gpu.func @first_kernel(
// CHECK-DAG: gpu.func @first_kernel_0(
// CHECK-DAG: gpu.func @second_kernel(
// CHECK-DAG: func.func private @scale(
// CHECK-LABEL: func.func @second
// CHECK: gpu.launch_func  @hybrid_kernels::@second_kernel blocks
// CHECK-NOT: gpu.module

// The host's @scale and one copy in the kernel module.
// RUN: hybrid-opt %s --gpu-kernel-outlining --hybrid-gpu-one-kernel-module --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=ONE
// ONE-COUNT-2: func.func private @scale(
// ONE-NOT: func.func private @scale(

func.func private @scale(%x: f32) -> f32 {
  %r = arith.mulf %x, %x : f32
  return %r : f32
}

func.func @first(%a: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %v = memref.load %a[%tx] : memref<64xf32>
    %s = func.call @scale(%v) : (f32) -> f32
    memref.store %s, %a[%tx] : memref<64xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %v = memref.load %a[%tx] : memref<64xf32>
    %s = arith.addf %v, %v : f32
    memref.store %s, %a[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}

func.func @second(%a: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %v = memref.load %a[%tx] : memref<64xf32>
    %s = func.call @scale(%v) : (f32) -> f32
    memref.store %s, %a[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}

// -----

// The merged module's name is taken: refused, not renamed behind the
// runtime's back.
// expected-error @below {{hybrid-gpu-one-kernel-module: the module already has a symbol @hybrid_kernels}}
module {
  func.func private @hybrid_kernels()
  func.func @third(%a: memref<64xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
      gpu.terminator
    }
    return
  }
}

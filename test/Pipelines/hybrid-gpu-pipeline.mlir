// REQUIRES: cuda-toolkit
// hybrid-gpu-pipeline on an RMS norm and a linear layer: every parallel loop
// of their lowering is a kernel in one module, @hybrid_kernels, compiled
// for sm_80 by LLVM's NVPTX backend; the host code launches them and takes
// every buffer from the runtime's allocator.

// RUN: hybrid-opt %s --hybrid-gpu-pipeline="format=isa cuda-path=%cuda_path" | FileCheck %s
// CHECK-DAG: llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr)
// CHECK-LABEL: llvm.func @norm_linear(
// The sums of squares (zeroed, then summed), the normalised rows, the
// product (zeroed, then accumulated).
// CHECK-COUNT-5: gpu.launch_func  @hybrid_kernels::@norm_linear_kernel{{(_[0-9])?}} blocks
// CHECK-NOT: gpu.launch_func
// CHECK: llvm.func @_mlir_ciface_norm_linear(
// CHECK: gpu.binary @hybrid_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">
// CHECK-SAME: .target sm_80
// CHECK-NOT: gpu.binary

// Chips past sm_90a get PTX 8.8 from the pipeline itself (NVPTX aborts on a
// chip newer than its PTX version), from hybrid-opt as from the driver.
// RUN: hybrid-opt %s --hybrid-gpu-pipeline="chip=sm_100 format=isa cuda-path=%cuda_path" | FileCheck %s --check-prefix=SM100
// SM100: gpu.binary @hybrid_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_100", features = "+ptx88">
// SM100-SAME: .version 8.8
// SM100-SAME: .target sm_100

// Stopped before buffers: linalg on tensors, nothing for the GPU yet.
// RUN: hybrid-opt %s --hybrid-gpu-pipeline="lower-to-llvm=false" | FileCheck %s --check-prefix=TENSORS
// TENSORS-LABEL: func.func @norm_linear
// TENSORS: linalg.generic
// TENSORS-NOT: gpu.

// The driver writes the kernels as one PTX module, which ptxas assembles
// for sm_80 and (compiled again) for sm_90a, and their cubin.
// RUN: hybrid-compile %s --target=cuda --emit=ptx --cuda-path=%cuda_path -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %ptxas -arch=sm_80 %t.ptx -o %t.cubin
// RUN: hybrid-compile %s --target=cuda --gpu-chip=sm_90a --emit=ptx --cuda-path=%cuda_path -o %t90.ptx
// RUN: FileCheck %s --check-prefix=PTX90 < %t90.ptx
// RUN: %ptxas -arch=sm_90a %t90.ptx -o %t90.cubin
// PTX: .version 8.0
// PTX: .target sm_80
// PTX: .visible .entry norm_linear_kernel(
// PTX: rsqrt.approx.f32
// PTX90: .target sm_90a

// RUN: hybrid-compile %s --target=cuda --emit=cubin --cuda-path=%cuda_path -o %t.driver.cubin
// RUN: llvm-readelf -h %t.driver.cubin | FileCheck %s --check-prefix=CUBIN
// CUBIN: Machine: NVIDIA CUDA architecture
// CUBIN: Flags: {{.*}}sm_80

// The host object: the C interface, the cubin embedded and loaded through
// the mgpu* calls, which the runtime provides.
// RUN: hybrid-compile %s --target=cuda --emit=obj --cuda-path=%cuda_path -o %t.o
// RUN: llvm-nm %t.o | FileCheck %s --check-prefix=HOSTOBJ
// HOSTOBJ-DAG: T _mlir_ciface_norm_linear
// HOSTOBJ-DAG: U _mlir_memref_to_llvm_alloc
// HOSTOBJ-DAG: r hybrid_kernels_binary
// HOSTOBJ-DAG: U mgpuModuleLoad
// HOSTOBJ-DAG: U mgpuLaunchKernel
// HOSTOBJ-DAG: U mgpuStreamSynchronize

// A program with no parallel loop has no kernels: --emit=ptx says so.
// RUN: not hybrid-compile %S/Inputs/no-kernels.mlir --target=cuda --emit=ptx --cuda-path=%cuda_path -o %t.none.ptx 2>&1 | FileCheck %s --check-prefix=NONE
// NONE: hybrid-compile: error: {{.*}}no-kernels.mlir: the program has no kernels (nothing in it runs on the GPU)

func.func @norm_linear(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %lw: tensor<128x64xf32>) -> tensor<2x8x128xf32> {
  %n = hybrid.rms_norm %x, %w {eps = 1.0e-5 : f32} : tensor<2x8x64xf32>, tensor<64xf32>
  %y = hybrid.linear %n, %lw : (tensor<2x8x64xf32>, tensor<128x64xf32>) -> tensor<2x8x128xf32>
  return %y : tensor<2x8x128xf32>
}

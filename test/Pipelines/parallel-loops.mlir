// The CPU pipeline shares independent loops among threads: hybrid-packed-gemm
// builds its panel loops as scf.parallel, convert-scf-to-openmp turns them
// into omp.parallel + omp.wsloop, and the LLVM IR forks through libomp
// (__kmpc_fork_call, statically scheduled). parallel=false keeps one thread
// and no libomp call. Thread-count equality of results: Integration/CPU.
// RUN: hybrid-opt %s --hybrid-cpu-pipeline | FileCheck %s
// RUN: hybrid-opt %s --hybrid-cpu-pipeline="parallel=false" | FileCheck %s --check-prefix=SERIAL
// RUN: rm -rf %t && mkdir -p %t && hybrid-compile %s --emit=llvm -o %t/out.ll
// RUN: FileCheck %s --check-prefix=IR < %t/out.ll

// CHECK-NOT: scf.parallel
// CHECK: llvm.func internal @hybrid_packed_gemm_f32_6x64_kc
// Packing A, then the column panels (each thread packs its panel of W and
// runs the 6-row and one-row kernels over it).
// CHECK-COUNT-2: omp.parallel {
// CHECK-NEXT: omp.wsloop {
// CHECK-NEXT: omp.loop_nest
// CHECK-NOT: omp.parallel
// CHECK: llvm.return
// SERIAL-NOT: omp.
// IR: call void {{.*}}@__kmpc_fork_call(
// IR: call void @__kmpc_for_static_init_8u(
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 32768, l2_bytes = 1048576>} {
func.func @f(%x: tensor<64x256xf32>, %w: tensor<512x256xf32>) -> tensor<64x512xf32> {
  %y = hybrid.linear %x, %w : (tensor<64x256xf32>, tensor<512x256xf32>) -> tensor<64x512xf32>
  return %y : tensor<64x512xf32>
}
}

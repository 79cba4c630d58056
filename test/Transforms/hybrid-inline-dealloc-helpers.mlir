// hybrid-inline-dealloc-helpers inlines the @dealloc_helper that lowering
// bufferization.dealloc generates, so no call is left inside a parallel
// loop's body (a call there keeps convert-scf-to-openmp's alloca_scope alive,
// and scf-to-cf then splits its block), and drops the helper once unused.
// Other calls stay.
// RUN: hybrid-opt %s -hybrid-inline-dealloc-helpers | FileCheck %s

// CHECK-NOT: func.func private @dealloc_helper
// CHECK-LABEL: func.func @body(
// CHECK: scf.forall
// CHECK-NOT: call @dealloc_helper
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<?xi1>
// CHECK: call @other
// CHECK: }
func.func private @dealloc_helper(%flags: memref<?xi1>, %at: index) {
  %true = arith.constant true
  memref.store %true, %flags[%at] : memref<?xi1>
  return
}
func.func private @other()
func.func @body(%flags: memref<?xi1>) {
  scf.forall (%i) in (4) {
    func.call @dealloc_helper(%flags, %i) : (memref<?xi1>, index) -> ()
    func.call @other() : () -> ()
  }
  return
}

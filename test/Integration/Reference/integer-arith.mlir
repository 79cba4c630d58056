// Integer arith on tensors, and a module with no hybrid op: both targets
// give the hand-computed values, wrapping at the element width as the
// compiled code does (2^31 - 1 + 1 = -2^31).
// RUN: hybrid-run %s --function=add32 --input=4xi32=1,2,-3,2147483647 --input=4xi32=1 | FileCheck %s --check-prefix=ADD
// RUN: hybrid-run %s --function=add32 --input=4xi32=1,2,-3,2147483647 --input=4xi32=1 --target=cpu | FileCheck %s --check-prefix=ADD
// ADD: result[0]: 4xi32=2 3 -2 -2147483648
// RUN: hybrid-run %s --function=mul64 --input=2xi64=3,-5 --input=2xi64=7,4611686018427387904 | FileCheck %s --check-prefix=MUL
// RUN: hybrid-run %s --function=mul64 --input=2xi64=3,-5 --input=2xi64=7,4611686018427387904 --target=cpu | FileCheck %s --check-prefix=MUL
// MUL: result[0]: 2xi64=21 -4611686018427387904
// RUN: hybrid-run %s --function=sub64 --input=2xi64=3,-5 --input=2xi64=7,1 --target=cpu | FileCheck %s --check-prefix=SUB
// RUN: hybrid-run %s --function=sub64 --input=2xi64=3,-5 --input=2xi64=7,1 | FileCheck %s --check-prefix=SUB
// SUB: result[0]: 2xi64=-4 -6
func.func @add32(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %c = arith.addi %a, %b : tensor<4xi32>
  return %c : tensor<4xi32>
}
func.func @mul64(%a: tensor<2xi64>, %b: tensor<2xi64>) -> tensor<2xi64> {
  %c = arith.muli %a, %b : tensor<2xi64>
  return %c : tensor<2xi64>
}
func.func @sub64(%a: tensor<2xi64>, %b: tensor<2xi64>) -> tensor<2xi64> {
  %c = arith.subi %a, %b : tensor<2xi64>
  return %c : tensor<2xi64>
}

// int64 values that fit are the i32 argument's values on both targets: the
// reference printed 4xi64 and did not wrap at 32 bits.
// RUN: hybrid-run %s --function=add32 --input=4xi64=1,2,-3,2147483647 --input=4xi64=1 | FileCheck %s --check-prefix=ADD
// RUN: hybrid-run %s --function=add32 --input=4xi64=1,2,-3,2147483647 --input=4xi64=1 --target=cpu | FileCheck %s --check-prefix=ADD
// An int64 value that does not fit an i32 argument is refused, not wrapped.
// RUN: not hybrid-run %s --function=add32 --input=4xi64=1,2,3,4294967296 --input=4xi32=1 2>&1 | FileCheck %s --check-prefix=FIT
// FIT: error: argument 0 (tensor<4xi32>) from --input=4xi64=1,2,3,4294967296: value 3 (4294967296) does not fit i32

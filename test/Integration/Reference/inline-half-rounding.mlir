// Inline f16 and bf16 values are rounded to the named type before they are
// held as f32, so both targets see the same numbers: 70000 overflows f16,
// 0.1 is 0.0999756 in f16 and 257 is 256 in bf16 (ties to even), as torch
// rounds them.
// RUN: hybrid-run %s --input=4xf16=65504,70000,0.1,-2.5 | FileCheck %s --check-prefix=F16
// RUN: hybrid-run %s --input=4xf16=65504,70000,0.1,-2.5 --target=cpu | FileCheck %s --check-prefix=F16
// F16: result[0]: 4xf32=65504 inf 0.0999756 -2.5
// RUN: hybrid-run %s --input=4xbf16=257,259,1.00390625,-3 | FileCheck %s --check-prefix=BF16
// BF16: result[0]: 4xf32=256 260 1 -3
func.func @id(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}

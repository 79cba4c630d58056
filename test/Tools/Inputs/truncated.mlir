func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = hybrid.softcap %x {cap = 3.0 : f32} : tensor<4xf32>

func.func @f(%x: tensor<4xf32>) {
  %y = hybrid.no_such_op %x : tensor<4xf32>
  return
}

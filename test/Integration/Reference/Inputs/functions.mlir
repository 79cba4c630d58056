func.func @ids(%x: tensor<1x2xi64>) -> tensor<1x2xi64> {
  return %x : tensor<1x2xi64>
}

func.func @embed(%ids: tensor<1x2xi64>, %table: tensor<3x2xf32>) -> tensor<1x2x2xf32> {
  %h = hybrid.embedding %ids, %table : (tensor<1x2xi64>, tensor<3x2xf32>) -> tensor<1x2x2xf32>
  return %h : tensor<1x2x2xf32>
}

func.func @unsupported(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = arith.remf %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = hybrid.activation %x {kind = #hybrid.act<relu>} : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

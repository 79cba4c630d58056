// Ids and cache positions the function computes (errors.test): the
// reference checks them as it runs; --target=cpu refuses what it cannot
// check before running, and checks constants by value.
func.func @shifted_ids(%ids: tensor<1x2xi64>, %table: tensor<3x2xf32>) -> tensor<1x2x2xf32> {
  %c = arith.constant dense<100000000> : tensor<1x2xi64>
  %i = arith.addi %ids, %c : tensor<1x2xi64>
  %h = hybrid.embedding %i, %table : (tensor<1x2xi64>, tensor<3x2xf32>) -> tensor<1x2x2xf32>
  return %h : tensor<1x2x2xf32>
}
func.func @constant_ids(%table: tensor<3x2xf32>) -> tensor<1x2x2xf32> {
  %i = arith.constant dense<[[2, -7]]> : tensor<1x2xi64>
  %h = hybrid.embedding %i, %table : (tensor<1x2xi64>, tensor<3x2xf32>) -> tensor<1x2x2xf32>
  return %h : tensor<1x2x2xf32>
}
func.func @shifted_positions(%cache: tensor<1x1x4x2xf32>, %new: tensor<1x1x1x2xf32>, %pos: tensor<1x1xi64>) -> tensor<1x1x4x2xf32> {
  %c = arith.constant dense<1000000> : tensor<1x1xi64>
  %p = arith.addi %pos, %c : tensor<1x1xi64>
  %k = hybrid.cache_write %cache, %new, %p : tensor<1x1x4x2xf32>, tensor<1x1x1x2xf32>, tensor<1x1xi64>
  return %k : tensor<1x1x4x2xf32>
}
func.func private @lookup(%i: tensor<1x2xi64>, %t: tensor<3x2xf32>) -> tensor<1x2x2xf32> {
  %h = hybrid.embedding %i, %t : (tensor<1x2xi64>, tensor<3x2xf32>) -> tensor<1x2x2xf32>
  return %h : tensor<1x2x2xf32>
}
func.func @ids_through_call(%ids: tensor<1x2xi64>, %t: tensor<3x2xf32>) -> tensor<1x2x2xf32> {
  %c = arith.constant dense<100000000> : tensor<1x2xi64>
  %i = arith.addi %ids, %c : tensor<1x2xi64>
  %h = func.call @lookup(%i, %t) : (tensor<1x2xi64>, tensor<3x2xf32>) -> tensor<1x2x2xf32>
  return %h : tensor<1x2x2xf32>
}

// Every verifier branch of the signature attributes and the CPU target.
// RUN: hybrid-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{vector_bits must be 128, 256 or 512, got 384}}
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 384, l1_bytes = 32768, l2_bytes = 1048576>} {}

// -----

// expected-error @+1 {{cache sizes must satisfy 1024 <= l1_bytes <= l2_bytes, got l1_bytes = 65536, l2_bytes = 4096}}
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 65536, l2_bytes = 4096>} {}

// -----

// expected-error @+1 {{'hybrid.target' must be a #hybrid.cpu_target<…>}}
module attributes {hybrid.target = 512} {}

// -----

// expected-error @+1 {{'hybrid.target' belongs on a module}}
func.func private @f() attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 32768, l2_bytes = 1048576>}

// -----

// expected-error @+1 {{'hybrid.targets' is not an attribute of the hybrid dialect}}
module attributes {hybrid.targets = 1} {}

// -----

// expected-error @+1 {{'hybrid.matmul_precision' must be "f32" or "bf16"}}
module attributes {hybrid.matmul_precision = "fp8"} {}

// -----

// expected-error @+1 {{'hybrid.weights_in_panels' must be a module's {function: array<i64: ...>}}}
module attributes {hybrid.weights_in_panels = {forward = [64]}} {}

// -----

// expected-error @+1 {{'hybrid.matmul_precision' belongs on a module}}
func.func private @f() attributes {hybrid.matmul_precision = "bf16"}

// -----

// expected-error @+1 {{argument 0: 'hybrid.wieght' is not an argument attribute of the hybrid dialect}}
func.func private @f(%w: tensor<2xf32> {hybrid.wieght = "w"})

// -----

// expected-error @+1 {{argument 0: 'hybrid.weight' must be a non-empty string}}
func.func private @f(%w: tensor<2xf32> {hybrid.weight = 3})

// -----

// expected-error @+1 {{argument 0: 'hybrid.input' must be a non-empty string}}
func.func private @f(%w: tensor<2xf32> {hybrid.input = ""})

// -----

// expected-error @+1 {{argument 0: 'hybrid.positions' takes no value}}
func.func private @f(%p: tensor<2xi64> {hybrid.input = "positions", hybrid.positions = 1})

// -----

// expected-error @+1 {{argument 0: 'hybrid.extent' needs 'hybrid.input' on the same argument}}
func.func private @f(%e: tensor<1xi64> {hybrid.extent})

// -----

// expected-error @+1 {{argument 0: 'hybrid.weight' marks a weight, which is not also an input or state}}
func.func private @f(%w: tensor<2xf32> {hybrid.weight = "w", hybrid.input = "w"})

// -----

// expected-error @+1 {{argument 0: 'hybrid.state_init' needs 'hybrid.state' on the same argument}}
func.func private @f(%s: tensor<2xf32> {hybrid.input = "s", hybrid.state_init = "s0"})

// -----

// expected-error @+1 {{argument 0: 'hybrid.state' needs 'hybrid.input' on the same argument}}
func.func private @f(%s: tensor<2xf32> {hybrid.state = "s"})

// -----

// expected-error @+1 {{argument 0: 'hybrid.zeros_by_default' needs 'hybrid.input' on the same argument}}
func.func private @f(%g: tensor<2xi64> {hybrid.zeros_by_default})

// -----

// expected-error @+1 {{result 0: 'hybrid.weight' is not a result attribute of the hybrid dialect (expected hybrid.state)}}
func.func private @f() -> (tensor<2xf32> {hybrid.weight = "w"})

// -----

// expected-error @+1 {{result 0: 'hybrid.state' must be a non-empty string}}
func.func private @f() -> (tensor<2xf32> {hybrid.state})

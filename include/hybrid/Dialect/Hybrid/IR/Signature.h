//===- Signature.h - What each argument of a model function is --*- C++ -*-===//
//
// A compiled model's interface lives on its functions as argument and result
// attributes of the hybrid dialect. Their names are spelled here and nowhere
// else, the dialect's verifier checks them, and readSignature() is the one
// reader that the runtime, the tools and the tests call.
//
//   %ids: tensor<1x8xi64> {hybrid.input = "input_ids"}
//   %pos: tensor<1x8xi64> {hybrid.input = "positions", hybrid.positions}
//   %end: tensor<1xi64>   {hybrid.input = "extent", hybrid.extent}
//   %g:   tensor<1x8xi64> {hybrid.input = "global_attention_mask",
//                          hybrid.zeros_by_default}
//   %w:   tensor<64x32xf32> {hybrid.weight = "model.embed_tokens.weight"}
//   %s:   tensor<1x16x4xf32> {hybrid.input = "layers.0.mixer.ssm_state",
//                             hybrid.state = "layers.0.mixer.ssm_state",
//                             hybrid.state_init = "layers.0.memory_init"}
//   results: -> (tensor<…> , tensor<1x16x4xf32> {hybrid.state = "layers.0.mixer.ssm_state"})
//
// An argument without any of them is a plain input (`--input`, in order).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_DIALECT_HYBRID_IR_SIGNATURE_H
#define HYBRID_DIALECT_HYBRID_IR_SIGNATURE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace mlir::hybrid {

namespace signature {
/// A weight read from the checkpoint by this tensor name (string).
constexpr llvm::StringLiteral kWeight = "hybrid.weight";
/// A named runtime input (string): token ids, positions, state, masks.
constexpr llvm::StringLiteral kInput = "hybrid.input";
/// Carried state (string): on an argument, the state before the call; on a
/// result, the same state after it.
constexpr llvm::StringLiteral kState = "hybrid.state";
/// The weight a fresh session starts a state at (string; zeros if absent).
constexpr llvm::StringLiteral kStateInit = "hybrid.state_init";
/// The absolute positions of the call's tokens (unit, on an input).
constexpr llvm::StringLiteral kPositions = "hybrid.positions";
/// One past the last position of the whole request that this call is a chunk
/// of (unit, on a [1] integer input): what RoPE scalings that depend on the
/// length see, so that a prompt gives the same result however it is chunked.
constexpr llvm::StringLiteral kExtent = "hybrid.extent";
/// An input that may be left out and is then all zeros (unit, on an input).
constexpr llvm::StringLiteral kZerosByDefault = "hybrid.zeros_by_default";
/// On a module, after hybrid-weights-in-panels: the weights the runtime must
/// pass packed in the GEMM kernel's panels, {function: array<i64: rows per
/// panel of each argument, 0 where it is not in panels>}.
constexpr llvm::StringLiteral kWeightsInPanels = "hybrid.weights_in_panels";
/// The module's `#hybrid.cpu_target` (CPUTarget.h).
constexpr llvm::StringLiteral kTarget = "hybrid.target";
/// On an op of a model's function: the layer it belongs to (an integer), for
/// hybrid-outline-layers.
constexpr llvm::StringLiteral kLayer = "hybrid.layer";
/// On a module: "bf16" when its products may round their activations to
/// bfloat16 (hybrid-bf16-weights' matmul-in-bf16; hybrid-packed-gemm then
/// multiplies a bf16 W with vdpbf16ps where the target has it), "f32" or
/// absent when they keep f32 activations.
constexpr llvm::StringLiteral kMatmulPrecision = "hybrid.matmul_precision";
} // namespace signature

enum class ArgumentRole {
  Plain,     ///< no signature attribute: an `--input`, in order
  Input,     ///< a named input (the model's token ids, masks)
  Positions, ///< the absolute positions of the call's tokens
  Extent,    ///< one past the last position of the whole request
  State,     ///< carried state
  Weight,    ///< a checkpoint tensor
};

struct ArgumentSignature {
  ArgumentRole role = ArgumentRole::Plain;
  /// The input, state or weight name (empty for Plain).
  std::string name;
  /// State only: the weight a fresh session starts it at (empty: zeros).
  std::string initialWeight;
  /// Input or state: may be left out, and is then all zeros.
  bool zerosByDefault = false;
};

struct FunctionSignatureRoles {
  std::vector<ArgumentSignature> arguments;
  /// One entry per result: the state it carries out, or empty.
  std::vector<std::string> resultStates;

  unsigned count(ArgumentRole role) const;
};

/// The roles of `func`'s arguments and results, from the attributes the
/// dialect's verifier has checked.
FunctionSignatureRoles readSignature(func::FuncOp func);

/// Whether `name` is an attribute of the signature (dropped before LLVM).
bool isSignatureAttribute(llvm::StringRef name);

/// Fails, with an error on the call, when a function of `module` can call
/// itself (directly or through others): there is no control flow to end a
/// recursion, so the tools refuse it before running (CallCycles.cpp).
LogicalResult verifyNoCallCycles(ModuleOp module);

} // namespace mlir::hybrid

#endif // HYBRID_DIALECT_HYBRID_IR_SIGNATURE_H

//===- HybridDialect.td - The hybrid dialect ---------------*- tablegen -*-===//
//
// The dialect, the base class of its ops and the type constraints they share.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_DIALECT_TD
#define HYBRID_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Hybrid_Dialect : Dialect {
  let name = "hybrid";
  let cppNamespace = "::mlir::hybrid";
  let summary = "Layers of hybrid neural architectures, on tensors";
  let description = [{
    The `hybrid` dialect describes the layers that hybrid neural architectures
    mix: attention with structured masks, Transformer-XL relative attention,
    linear attention, Mamba-1 and Mamba-2 state-space scans, causal and 2-D
    convolutions, content-addressed memory, mixtures of experts, depth
    recurrence with adaptive halting, and the building blocks around them.

    Ops work on ranked tensors with value semantics; element types are f32,
    f16 or bf16 and all float operands of one op share one element type.
    Conventions (they follow PyTorch / Hugging Face so checkpoints load
    unchanged):

    * activations are `[batch, seq, hidden]`;
    * attention operands are `[batch, heads, seq, head_dim]`;
    * linear weights are `[out, in]` and compute `y = x Wᵀ + b`;
    * dimensions may be dynamic (`?`); verifiers check every static one.

    The exact semantics of each op follow `shared/reference/MATH.md` (Hugging
    Face's modeling code for HF model types) and are written out in each op's
    description.
  }];
  let useDefaultAttributePrinterParser = 1;
  // The signature attributes on function arguments and results, and the
  // module's `hybrid.target` (Signature.h names them).
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

/// Every ranked tensor a hybrid op takes or makes is non-empty (no
/// dimension of size 0): a norm or contraction over nothing has no value.
def Hybrid_NonEmptyTensors : NativeOpTrait<"HybridNonEmptyTensors">;

/// Every hybrid op is free of side effects unless it says otherwise, and
/// works on non-empty tensors.
class Hybrid_Op<string mnemonic, list<Trait> traits = []>
    : Op<Hybrid_Dialect, mnemonic, !listconcat(traits, [Pure, Hybrid_NonEmptyTensors])>;

def Hybrid_Float : AnyTypeOf<[F32, F16, BF16]>;
def Hybrid_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def Hybrid_IndexTensor : RankedTensorOf<[I32, I64]>;

/// An i64 attribute read back as a signed value, so that verifiers can reject
/// negative sizes and offsets (upstream I64Attr reads back as uint64_t).
def Hybrid_I64Attr : TypedSignlessIntegerAttrBase<
    I64, "int64_t", "64-bit signless integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

#endif // HYBRID_DIALECT_TD

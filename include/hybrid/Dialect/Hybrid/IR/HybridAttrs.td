//===- HybridAttrs.td - Attributes of the hybrid dialect ---*- tablegen -*-===//

#ifndef HYBRID_ATTRS_TD
#define HYBRID_ATTRS_TD

include "hybrid/Dialect/Hybrid/IR/HybridDialect.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Structured attention masks
//===----------------------------------------------------------------------===//

def Hybrid_MaskAttr : AttrDef<Hybrid_Dialect, "Mask"> {
  let mnemonic = "mask";
  let summary = "A structured attention mask";
  let description = [{
    Which keys each query may see, as structure rather than an N×N tensor, so
    the compiler can skip empty tiles and drop the mask test from full ones
    for any sequence length. Positions are absolute: query row `r` of an op
    with `q_offset = o` is at position `o + r`; key `j` is at position `j`.

    | syntax | query i sees key j iff |
    |---|---|
    | `#hybrid.mask<none>` | always |
    | `#hybrid.mask<causal>` | `j ≤ i` |
    | `#hybrid.mask<causal, window = W>` | `i − W < j ≤ i` (W keys including itself; Gemma 2, Mistral) |
    | `#hybrid.mask<local = w>` | `|i − j| ≤ w` (Longformer's one-sided w; HF's `attention_window` is 2w) |
    | `#hybrid.mask<local = w, global = [g, …]>` | `|i − j| ≤ w`, or i or j is global |

    Global positions are sorted and de-duplicated when parsed. The C++ helper
    `MaskSpec` (`hybrid/Support/Mask.h`, from `getSpec()`) answers visibility
    per pair and classifies a tile of queries × keys as empty, full or partial.
  }];
  let parameters = (ins
    "::mlir::hybrid::MaskKind":$kind,
    "int64_t":$window,
    "int64_t":$localRadius,
    ArrayRefParameter<"int64_t", "global token positions">:$globalTokens
  );
  let builders = [
    AttrBuilder<(ins "const ::mlir::hybrid::MaskSpec &":$spec), [{
      return $_get($_ctxt, spec.kind, spec.window, spec.localRadius,
                   spec.globalTokens);
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The mask as a plain C++ value, for the helper's queries.
    ::mlir::hybrid::MaskSpec getSpec() const;
  }];
}

//===----------------------------------------------------------------------===//
// Activation functions
//===----------------------------------------------------------------------===//

def Hybrid_Activation : I32EnumAttr<"Activation", "an activation function", [
    I32EnumAttrCase<"identity", 0>,
    I32EnumAttrCase<"relu", 1>,
    I32EnumAttrCase<"gelu", 2>,
    I32EnumAttrCase<"gelu_tanh", 3>,
    I32EnumAttrCase<"quick_gelu", 4>,
    I32EnumAttrCase<"silu", 5>,
    I32EnumAttrCase<"sigmoid", 6>,
    I32EnumAttrCase<"tanh", 7>,
    I32EnumAttrCase<"softplus", 8>,
    I32EnumAttrCase<"elu_plus_one", 9>
  ]> {
  let cppNamespace = "::mlir::hybrid";
  let genSpecializedAttr = 0;
}

def Hybrid_ActivationAttr : EnumAttr<Hybrid_Dialect, Hybrid_Activation, "act"> {
  let assemblyFormat = "`<` $value `>`";
  let summary = "An elementwise activation function";
  let description = [{
    `identity(x) = x`; `relu(x) = max(x, 0)`; `gelu(x) = x·Φ(x)` (erf form);
    `gelu_tanh(x) = 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`;
    `quick_gelu(x) = x·σ(1.702x)`; `silu(x) = x·σ(x)`; `sigmoid(x) = σ(x)`;
    `tanh`; `softplus(x) = log(1 + eˣ)`; `elu_plus_one(x) = elu(x) + 1`
    (x + 1 for x > 0, eˣ otherwise: the linear-attention feature map).
  }];
}

//===----------------------------------------------------------------------===//
// The CPU the code is built for
//===----------------------------------------------------------------------===//

def Hybrid_CPUTargetAttr : AttrDef<Hybrid_Dialect, "CPUTarget"> {
  let mnemonic = "cpu_target";
  let summary = "The CPU that compiled code is built for";
  let description = [{
    What the code generator knows about the CPU: the widest vector register,
    the per-core data cache sizes, and the LLVM CPU name and feature string
    the object code is emitted for. It sits on the module as
    `hybrid.target`; every pass that sizes tiles reads it from there and
    none asks the host, so a test that pins it gets the same IR on every
    machine. The drivers (`hybrid-run`, `hybrid-compile`, the runtime's
    JIT) fill it from the host when the module has none.

    ```mlir
    module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512,
        l1_bytes = 49152, l2_bytes = 2097152, cpu = "sapphirerapids",
        features = "+avx512f,+avx512bf16">} { ... }
    ```

    A module without the attribute is compiled for the default target:
    512-bit vectors, 48 KiB L1 and 2 MiB L2, the LLVM CPU and features of
    the host at code emission.
  }];
  let parameters = (ins
    "int64_t":$vector_bits,
    "int64_t":$l1_bytes,
    "int64_t":$l2_bytes,
    StringRefParameter<"LLVM CPU name (empty: the host's)", "\"\"">:$cpu,
    StringRefParameter<"LLVM feature string (empty: the host's)", "\"\"">:$features
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "const ::mlir::hybrid::CPUTarget &":$target), [{
      return $_get($_ctxt, target.vectorBits, target.l1Bytes, target.l2Bytes,
                   target.cpu, target.features);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The target as a plain C++ value, for the passes' tile sizes.
    ::mlir::hybrid::CPUTarget getSpec() const;
  }];
}

#endif // HYBRID_ATTRS_TD

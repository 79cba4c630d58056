//===- MemoryOps.td - Content-addressed memory ops ---------*- tablegen -*-===//

#ifndef HYBRID_MEMORY_OPS_TD
#define HYBRID_MEMORY_OPS_TD

include "hybrid/Dialect/Hybrid/IR/HybridAttrs.td"

def Hybrid_MemoryReadOp : Hybrid_Op<"memory_read"> {
  let summary = "Content-addressed read from a memory matrix (NTM/DNC)";
  let description = [{
    Reads `memory [B, N, W]` (N slots of width W) with one key per token,
    `keys [B, S, W]`, and a key strength (sharpening) `strength [B, S]`:

    ```
    c[s, n] = (k_s · M_n) / (‖k_s‖ · ‖M_n‖ + eps)     cosine similarity
    w[s, :] = softmax_n(strength[s] · c[s, :])
    out[s]  = Σ_n w[s, n] · M_n                        [B, S, W]
    ```

    ```mlir
    %r = hybrid.memory_read %mem, %keys, %beta
       : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>) -> tensor<2x8x32xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$memory,
    Hybrid_FloatTensor:$keys,
    Hybrid_FloatTensor:$strength,
    DefaultValuedAttr<F32Attr, "1.0e-6">:$eps
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $memory `,` $keys `,` $strength attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_MemoryWriteOp : Hybrid_Op<"memory_write"> {
  let summary = "Gated erase/add writes to a memory matrix (NTM/DNC)";
  let description = [{
    Applies S writes in order to `memory [B, N, W]`. Write `s` addresses the
    memory as it is after write `s − 1`, with `keys [B, S, W]` and
    `strength [B, S]` exactly as `hybrid.memory_read`, then erases and adds
    with `erase [B, S, W]` (in [0, 1]) and `add [B, S, W]`, scaled by the
    optional write `gate [B, S]` (1 when absent):

    ```
    w      = gate[s] · softmax_n(strength[s] · cos(k_s, M_n))
    M_n   ← M_n ⊙ (1 − w_n · erase_s) + w_n · add_s
    ```

    The result is the memory after the last write, `[B, N, W]`.

    ```mlir
    %m = hybrid.memory_write %mem, %keys, %beta, %erase, %add gate(%g)
       : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>,
          tensor<2x8x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>) -> tensor<2x16x32xf32>
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$memory,
    Hybrid_FloatTensor:$keys,
    Hybrid_FloatTensor:$strength,
    Hybrid_FloatTensor:$erase,
    Hybrid_FloatTensor:$add,
    Optional<Hybrid_FloatTensor>:$gate,
    DefaultValuedAttr<F32Attr, "1.0e-6">:$eps
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let assemblyFormat = [{
    $memory `,` $keys `,` $strength `,` $erase `,` $add (`gate` `(` $gate^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Hybrid_MemoryReadWriteOp : Hybrid_Op<"memory_read_write"> {
  let summary = "Token by token: read the memory, then write it (a recurrent NTM/DNC layer)";
  let description = [{
    The recurrence of a memory-augmented layer over `memory [B, N, W]`: for
    each token s in order, read with `read_keys [B, S, W]` and
    `read_strength [B, S]` exactly as `hybrid.memory_read`, from the memory as
    the writes of tokens `< s` left it, then write token s exactly as
    `hybrid.memory_write` (`keys`, `strength`, `erase`, `add`, optional
    `gate`):

    ```
    reads[s] = read(M_{s-1}, read_keys[s], read_strength[s])
    M_s      = write(M_{s-1}, keys[s], strength[s], erase[s], add[s], gate[s])
    ```

    Results: `reads [B, S, W]` and the memory after the last write
    `[B, N, W]`. A token never sees its own or a later token's write, so a
    sequence run in chunks (carrying the memory) gives the reads of one pass.

    ```mlir
    %r, %m = hybrid.memory_read_write %mem read(%rk, %rb) write(%wk, %wb, %e, %a) gate(%g)
           : (tensor<2x16x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>, tensor<2x8x32xf32>,
              tensor<2x8xf32>, tensor<2x8x32xf32>, tensor<2x8x32xf32>, tensor<2x8xf32>)
           -> (tensor<2x8x32xf32>, tensor<2x16x32xf32>)
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$memory,
    Hybrid_FloatTensor:$read_keys,
    Hybrid_FloatTensor:$read_strength,
    Hybrid_FloatTensor:$keys,
    Hybrid_FloatTensor:$strength,
    Hybrid_FloatTensor:$erase,
    Hybrid_FloatTensor:$add,
    Optional<Hybrid_FloatTensor>:$gate,
    DefaultValuedAttr<F32Attr, "1.0e-6">:$eps
  );
  let results = (outs Hybrid_FloatTensor:$reads, Hybrid_FloatTensor:$final_memory);
  let assemblyFormat = [{
    $memory `read` `(` $read_keys `,` $read_strength `)`
    `write` `(` $keys `,` $strength `,` $erase `,` $add `)` (`gate` `(` $gate^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // HYBRID_MEMORY_OPS_TD

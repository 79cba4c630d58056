//===- RecurrenceOps.td - Depth recurrence ops -------------*- tablegen -*-===//

#ifndef HYBRID_RECURRENCE_OPS_TD
#define HYBRID_RECURRENCE_OPS_TD

include "hybrid/Dialect/Hybrid/IR/HybridAttrs.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def Hybrid_RecurrentDepthOp : Hybrid_Op<"recurrent_depth", [
    AllTypesMatch<["init", "result"]>, RecursiveMemoryEffects,
    SingleBlock]> {
  let summary = "A block applied repeatedly with shared weights (Universal Transformer)";
  let description = [{
    Applies the body to `init [B, S, D]` again and again with the same
    weights (values captured from above). The body's arguments are the current
    state and the step number (`index`, from 0).

    Without `halt_threshold` the body yields the next state and runs exactly
    `max_steps` times; the result is the last state.

    With `halt_threshold = θ` (tensor2tensor's `1 − act_epsilon`, 0.99) the
    body yields the next state and a halting probability `p [B, S]` per
    position (sigmoid already applied), and the op runs Adaptive Computation
    Time for at most `max_steps` steps (`act_max_steps`):

    ```
    hp = R = n = prev = 0;  state = init
    while any(hp < θ and n < max_steps):
      (out, p) = body(state, step)
      run  = hp < 1
      new  = (hp + p·run > θ) · run;   run = (hp + p·run ≤ θ) · run
      hp  += p·run;   R += new·(1 − hp);   hp += new·R;   n += run + new
      w    = p·run + new·R
      prev = out·w + prev·(1 − w);   state = out
    result = prev
    ```

    Positions that have halted keep computing but get weight 0. The next
    step's input is the unweighted `out`.

    ```mlir
    %y = hybrid.recurrent_depth %x max_steps = 6 halt_threshold = 9.900000e-01
         : tensor<1x8x16xf32> {
    ^bb0(%state: tensor<1x8x16xf32>, %step: index):
      ...
      hybrid.yield %next, %p : tensor<1x8x16xf32>, tensor<1x8xf32>
    }
    ```
  }];
  let arguments = (ins
    Hybrid_FloatTensor:$init,
    Hybrid_I64Attr:$max_steps,
    OptionalAttr<F32Attr>:$halt_threshold
  );
  let results = (outs Hybrid_FloatTensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $init `max_steps` `=` $max_steps (`halt_threshold` `=` $halt_threshold^)?
    attr-dict `:` type($init) $body
  }];
  let hasRegionVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// Whether the op runs Adaptive Computation Time.
    bool isAdaptive() { return getHaltThreshold().has_value(); }
  }];
}

def Hybrid_YieldOp : Hybrid_Op<"yield", [
    HasParent<"RecurrentDepthOp">, Terminator, ReturnLike]> {
  let summary = "Ends the body of a hybrid.recurrent_depth";
  let description = [{
    Yields the next state (and, under ACT, the halting probabilities) of a
    `hybrid.recurrent_depth` body.
  }];
  let arguments = (ins Variadic<Hybrid_FloatTensor>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

#endif // HYBRID_RECURRENCE_OPS_TD

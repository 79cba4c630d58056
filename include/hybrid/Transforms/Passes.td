//===- Passes.td - The passes of the CPU pipeline ----------*- tablegen -*-===//
//
// Transforms that hybrid-cpu-pipeline runs between convert-hybrid-to-linalg
// and the LLVM dialect. Each lives in its own file under lib/Transforms,
// runs alone from hybrid-opt and has a lit test named after it in
// test/Transforms. Passes that size tiles read the module's `hybrid.target`
// (#hybrid.cpu_target), never the host.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TRANSFORMS_PASSES_TD
#define HYBRID_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def OutlineLayers : Pass<"hybrid-outline-layers", "ModuleOp"> {
  let summary = "One private function per distinct layer, called from the model";
  let description = [{
    Importers tag the ops of each layer of a model with `hybrid.layer = N`.
    Every run of ops with the same tag in a function's top-level block
    becomes a `func.call` of a private function `@layerK` whose arguments
    are the values the layer reads (its input, weights, state, positions)
    and whose results are the values used after it (its output, next
    state). Layers whose outlined bodies print identically share one
    function, so a model's 32 layers of two kinds compile two bodies: cold
    compile time grows with the number of distinct layers, not with depth.
    The tag is removed; ops without a tag are left where they are.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def BFloat16Weights : Pass<"hybrid-bf16-weights", "ModuleOp"> {
  let summary = "Keep the projections' weights in bfloat16 (half the bytes)";
  let description = [{
    Every f32 argument marked `hybrid.weight` whose only uses are weights
    of projections becomes a bf16 tensor: the weight of `hybrid.linear`, the
    gate, up or down weight of `hybrid.gated_mlp` or of `hybrid.moe`'s
    experts (directly, as per-expert tensors the importer stacks with
    `tensor.expand_shape` and `tensor.concat`, or as slices of a fused
    tensor), or the table of `hybrid.embedding`; directly or through the
    arguments of the functions it is passed to (outlined layers; a
    function's argument changes only when every call of it in the module
    passes a weight that changes). Each such use reads `arith.extf` of the
    bf16 tensor, which the lowering folds into the op (the linear layer's
    contraction widens each element of W as it reads it; the embedding
    widens the rows it gathers; the mixture slices each expert's bf16
    weights before widening), so the weight stays bf16 in memory and the
    packed GEMM streams half the bytes. Activations and sums stay f32:
    results equal the f32 model's with its weights rounded to bfloat16, up
    to the order of summation. Weights with any other use (norm scales,
    biases, convolutions, scans, a mixture's router) stay f32. The runtime
    rounds an f32 checkpoint tensor to bfloat16 (to nearest, ties to even)
    when it loads a weight the function takes as bf16, and keeps a bf16
    checkpoint's values exactly.

    With `matmul-in-bf16`, the module is also marked
    `hybrid.matmul_precision = "bf16"`: prefill's products with a bf16 W
    may round their activations to bf16 too (hybrid-packed-gemm's
    vdpbf16ps kernel, on targets with AVX512-BF16), with f32 sums. That is
    twice the multiply rate, at a looser tolerance than the fp32 one.
  }];
  let options = [
    Option<"matmulInBF16", "matmul-in-bf16", "bool", "false",
           "Mark the module so products with a bf16 W may round A to bf16">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
                           "::mlir::tensor::TensorDialect"];
}

def FuseElementwiseOnce : Pass<"hybrid-fuse-elementwise-once", "ModuleOp"> {
  let summary = "Linalg elementwise fusion that never multiplies expensive work";
  let description = [{
    Upstream's elementwise fusion patterns (those of
    `linalg-fuse-elementwise-ops`) with one control: a producer whose body has
    a transcendental op or a gather (exp, sin, cos, tanh, erf, log, pow,
    tensor.extract) is not fused into a consumer that would compute each of
    its elements more than twice (a broadcast: a contraction, or attention
    scores reading q for every key). RoPE's sin and cos inside the
    KV-cache attention's score contraction made a 1k-token prefill 25× slower
    than the attention itself. Cheap producers and expensive ones read
    about once still fuse, except into a linear layer's contraction, which
    stays a plain multiply-add over a 2-D weight for `hybrid-packed-gemm`:
    nothing fuses into it and no reshape folds into it (RMSNorm's scaling
    fused into Mamba's in_proj, and the split into heads folded into Gemma
    2's q/k/v projections, kept those products in scalar loops). Likewise
    nothing read more than twice fuses into a product `C += A·B` (the shape
    `hybrid-register-tile-products` takes): the chunked SSD scan's row
    scalings fused into its products made them scalar loops.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ReassociateReductions
    : Pass<"hybrid-reassociate-reductions", "ModuleOp"> {
  let summary = "Allow reassociation and contraction in linalg reductions";
  let description = [{
    Sets `fastmath<reassoc, contract>` on the float arithmetic inside every
    linalg op with a reduction dimension, so that LLVM keeps partial sums in
    vector lanes and uses FMA. This reorders sums the way every optimised
    kernel does; results stay within the 1e-4 tolerance of the reference.
  }];
}

def ShareLoopsAmongThreads : Pass<"hybrid-share-loops-among-threads", "ModuleOp"> {
  let summary = "Split large elementwise and layout ops into scf.forall chunks";
  let description = [{
    A linalg.generic or linalg.transpose at a function's top level (not
    already inside a loop or tile), with static shapes and at least 2^16
    iterations, is tiled along its outermost parallel dims into an
    scf.forall of up to 64 chunks (at least 2^14 iterations each; sizes that
    divide the dims where one is near): layer norms, activations, residual
    adds, softmax and the layout copies of windows and heads then share the
    threads as the GEMMs and attention already do. Reduction dims are never
    split, so every element is computed as before and results do not depend
    on the thread count. Linear layers are left to hybrid-packed-gemm.
  }];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def RegisterTileProducts : Pass<"hybrid-register-tile-products", "ModuleOp"> {
  let summary = "Register-blocked vector code for small static products C += A·B";
  let description = [{
    Rewrites `C[batch..., m, n] += A[batch..., m, k] * B[batch..., k, n]` on
    static f32 buffers whose B and C are contiguous along n (N a multiple of
    the vector length), the products hybrid-packed-gemm leaves alone because
    they sit inside one thread's tile: flash attention's scores q·kᵀ (K
    transposed once by the lowering) and p·v. Batch results may be any
    expression of the batch loops (a GQA group's `h floordiv g`). Each
    becomes loops over the batch, then MR-row blocks (6, or 4 when that
    divides M) and column blocks of NV vectors (up to 4 with 512-bit
    vectors, 2 with 256-bit, from the module's `hybrid.target`): MR×NV
    accumulators loaded from C, per k NV vector loads of B's row and MR
    broadcasts of A with FMA, stored back. B is read in place, not packed.
    Each output stays one chain over k in order, so results differ from the
    linalg loops only by FMA's rounding. Without it, LLVM vectorised these
    loops one output row at a time, loading and storing C for every k
    (~13-25 GFLOP/s).
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def TileContractions : Pass<"hybrid-tile-contractions", "ModuleOp"> {
  let summary = "Cache-block large matmul-like contractions for the target";
  let description = [{
    Tiles linalg.generic contractions with one innermost reduction, at least
    two parallel dims and at least 2^22 iterations: the two innermost
    parallel dims (m, n) and the reduction (k), with tk = min(K, 256),
    tn = min(N, 8 × lanes) and tm chosen so that the three tiles fit in half
    of L2. Lanes and L2 come from the module's `hybrid.target`. Reductions
    shorter than 8 × lanes (attention's head dims) are left alone: blocking
    them was measured to lose. The linear layer's contraction with 16 rows
    is left to hybrid-packed-gemm unless `skip-packed-gemms=false`.
  }];
  let options = [
    Option<"skipPackedGemms", "skip-packed-gemms", "bool", "true",
           "Leave the contractions hybrid-packed-gemm rewrites alone">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ApproximateMath : Pass<"hybrid-approximate-math", "ModuleOp"> {
  let summary = "Polynomial approximations of exp, tanh, erf, log1p, …";
  let description = [{
    Replaces math ops by MLIR's f32 polynomial approximations: plain
    arithmetic that LLVM vectorises, where libm calls would keep every
    softmax, gate and scan step scalar. Accurate to a few ulp in f32.

    On targets with AVX-512 (512-bit vectors and `+avx512f` named, or
    nothing named: this machine) f32 `exp` gets a shorter form of its own:
    x clamped to [-104, 89], k = roundeven(x·log2 e), a two-float ln 2
    reduction and a degree-7 polynomial, with 2^k applied by
    `llvm.intr.ldexp` (one `vscalefps`, which also gives overflow to inf
    and gradual underflow to denormals and 0) instead of clamping k and
    assembling exponent bits: 16 vector instructions instead of 20 (14
    for explicit vectors). Every softmax, gate and scan step computes exps. Explicit vectors (flash attention's rows) use
    `x86vector.avx512.mask.scalef` (`vscalefps`) on 16 lanes at a time
    instead (MLIR's ldexp takes scalar exponents only), where the target
    names `+avx512f`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::x86vector::X86VectorDialect",
  ];
}

def EmitCInterface : Pass<"hybrid-emit-c-interface", "ModuleOp"> {
  let summary = "C-callable entry points with read-only tensor arguments";
  let description = [{
    Marks every public function `llvm.emit_c_interface` (the
    `_mlir_ciface_NAME` entry points of the JIT and of emitted objects),
    drops the signature attributes of the hybrid dialect (runtime metadata,
    read before compilation, that LLVM must not see), and marks tensor
    arguments `bufferization.writable = false`: the JIT and callers of
    emitted objects pass weights and carried state in place, so
    bufferization must copy before any op would write into them.

    With `state-in-place` (a session's functions, whose caller agrees to
    it): a state argument paired with a state result of the same name and
    type (`hybrid.state`) stays writable, so that bufferization may update
    it where it is, and the pairs are recorded as `hybrid_state_in_place` (no dialect prefix: the hybrid dialect verifies its own)
    for `hybrid-write-state-in-place`.

    With `record-weights` (a model's functions, whose runtime packs weights
    at load): the indices of the arguments marked `hybrid.weight` are
    recorded as `hybrid_weight_arguments` for `hybrid-weights-in-panels`.
  }];
  let options = [
    Option<"stateInPlace", "state-in-place", "bool", "false",
           "Leave state arguments that have a state result writable and record the pairs">,
    Option<"recordWeights", "record-weights", "bool", "false",
           "Record which arguments are weights (hybrid_weight_arguments)">
  ];
}

def WriteStateInPlace : Pass<"hybrid-write-state-in-place", "func::FuncOp"> {
  let summary = "The next state ends in the state argument's own buffer";
  let description = [{
    For a function marked `hybrid_state_in_place = array<i64: N, a0, r0,
    ...>` by `hybrid-emit-c-interface` (N: its argument count before
    `buffer-results-to-out-params`), after that pass and
    `hybrid-elide-result-copies`: each state result r0 must end in state
    argument a0's buffer, its out parameter (argument N + r0) being
    scratch the caller passes but does not read. Where bufferization
    updated the argument in place, the result is that argument and the copy
    into the out parameter is dropped: a decode step no longer copies its
    KV caches (Gemma 2: 17.8 MB a token at a context of 2048, a third of
    its decode time). Where it did not (the old state is read after the new
    one is written, as a shifted convolution window is), the new state is
    copied into the argument just before the function returns, after every
    read of the old one: one copy, as before. The caller
    (`Session`, ProgramFunction::stateInPlace) keeps the argument as the
    state instead of swapping in the result.
  }];
  let dependentDialects = ["memref::MemRefDialect"];
}

def ElideResultCopies : Pass<"hybrid-elide-result-copies", "func::FuncOp"> {
  let summary = "Write a function's results straight into its out parameters";
  let description = [{
    After `buffer-results-to-out-params`, a function whose result came
    from a call, or from a reshape of a buffer, still computes it in a
    buffer of its own and copies that into the out parameter before
    returning: a model's entry copied every layer's new state (Gemma 2's
    KV caches: megabytes per decoded token) and the logits. When the
    out parameter has no other use and the buffer (an `memref.alloc`,
    seen through `expand_shape`/`collapse_shape`) is not used after the
    copy, the buffer becomes the out parameter (reshaped back) and the
    copy goes. Sound because the runtime gives every out parameter its own
    buffer, distinct from every input.
  }];
  let dependentDialects = ["memref::MemRefDialect"];
}

def BarePointerCalls : Pass<"hybrid-bare-pointer-calls", "ModuleOp"> {
  let summary = "Private functions take static buffers as bare pointers";
  let description = [{
    Marks `llvm.bareptr` every private function with a body whose memref
    arguments and results all have static shapes and identity layouts, so
    that `convert-func-to-llvm` passes each such buffer as one pointer
    instead of a descriptor expanded into 3 + 2 × rank scalars (at every
    call and in the callee). A model's entry calls each outlined layer with
    its weights and state: a Mamba layer took about 110 scalar arguments,
    and the entry's calls were the part of compile time that grew with
    depth. Public functions keep descriptors (their C interface). Sound
    because such a type fixes everything a descriptor would carry (offset
    0, the sizes, row-major strides).
  }];
}

def NoAliasArguments : Pass<"hybrid-noalias-arguments", "ModuleOp"> {
  let summary = "Mark the memref arguments of public functions llvm.noalias";
  let description = [{
    The C interface carries `llvm.noalias` onto its descriptor pointers, so
    LLVM knows that storing to an output cannot change a descriptor's sizes
    and strides, which it would otherwise reload after every store and so
    never vectorise (6× on a 512³ matmul). Sound because the runtime, and
    the C interface's contract for callers, give every argument its own
    descriptor and buffer.
  }];
}

def InlineDeallocHelpers : Pass<"hybrid-inline-dealloc-helpers", "ModuleOp"> {
  let summary = "Inline the helper that lowered bufferization.dealloc calls";
  let description = [{
    Lowering a `bufferization.dealloc` of several buffers calls a generated
    `@dealloc_helper` (which of them alias). Inside an `scf.forall` body, a
    call is an unknown effect, so the `memref.alloca_scope` that
    convert-scf-to-openmp wraps around the body can no longer be folded
    away, and scf-to-cf then splits its block, which is invalid. The helper
    is one block of loops over the buffers' addresses: inlined, nothing in
    the body may allocate on the stack, and the scope folds as before.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def CopiesToLoops : Pass<"hybrid-copies-to-loops", "ModuleOp"> {
  let summary = "Rewrite strided memref.copy as linalg.copy";
  let description = [{
    Strided copies (scan outputs written a time step at a time) would
    otherwise call `memrefCopy` from MLIR's runner utils, a runtime library
    that neither the JIT nor emitted objects should depend on; linalg.copy
    lowers to plain loops. Copies between contiguous buffers are left alone:
    they lower to `llvm.intr.memcpy` (libc's memcpy), one call instead of
    loops to vectorise and compile (a 32-layer Mamba's function copies 64
    state tensors out of its layer calls).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def PackedGemm : Pass<"hybrid-packed-gemm", "ModuleOp"> {
  let summary = "Lower the linear layer's contraction to a packed, register-blocked micro-kernel";
  let description = [{
    Rewrites `C[..., m, n] += A[..., m, k] * W[n, k]` on buffers (what
    `hybrid.linear` becomes after bufferization; leading row dims are
    collapsed) into a call of one private function per module with dynamic
    shapes (so LLVM compiles its micro-kernels once, whatever the number of
    layers and shapes), a BLIS-style loop nest through the vector dialect.
    K is split into equal blocks of at most KC (a KC×NR panel of W in a
    quarter of L2, at most 512: each k block loads and stores all of C).
    Per k block, A is packed into MR-row micro-panels (only when N is more
    than four panels: a packed A block serves one panel each, so for
    narrower products a second function, `..._unpacked_a`, reads A in
    place); then each thread takes whole NR-column panels: it packs its
    panel of W (lanes × lanes tiles transposed in registers by vector
    shuffles) into a buffer of its own and runs every row's kernels over
    it while it is in cache; as it packs, it prefetches the same k's of the
    next panel's rows into L2. The micro-kernel keeps an MR×NR
    tile of C in vector registers (6×64 with 512-bit vectors: 24
    accumulators; 6×16 with 256-bit) and adds, per k, one broadcast of A
    times NR/lanes packed W vectors with FMA; it prefetches the next
    kernel's C tile, whose rows no hardware prefetcher predicts. KC, NR
    and the vector width come from the module's `hybrid.target`. Rows left
    over by MR get one-row kernels; columns left over by NR one more panel
    packed with zeros, its C tiles loaded and stored under a mask. Sums over k keep their order (each output
    is one FMA chain), so results differ from the reference only by FMA's
    rounding. Products with fewer than `min-rows` rows (decode) are bound by
    reading W once, and packing would read it twice: they call a
    matrix-vector function per row count instead, dot products along k over
    several rows of W at a time (each W vector loaded once for every row of
    A; the next group's rows prefetched into L2, since rows of a few KiB
    are too short for the hardware prefetchers), summed across lanes at the
    end. A row count known only at run time
    (the tokens a mixture of experts routes to one expert) chooses at run
    time: the packed GEMM from `min-rows` rows on, else the matrix-vector
    functions over groups of four rows and then single rows.

    A bf16 W (hybrid-bf16-weights) on a target with Intel AMX (`+amx-tile`,
    `+amx-bf16` in its features), with N a multiple of 32 and K of 32,
    takes the AMX kernel instead: Cᵀ = W·Aᵀ in 16×16 f32 tiles by
    tdpbf16ps, W's rows read by tile loads as they are, A packed once per
    call as bf16 high and low parts (products keep ~16 bits of A, inside
    the fp32 tolerance), the tiles transposed in registers and added into
    C; pairs of W's 16-row tiles are shared among the threads. In a module
    marked `hybrid.matmul_precision = "bf16"` A is packed as its high part
    only (half the tile work).

    A bf16 W in a module marked `hybrid.matmul_precision = "bf16"`
    (hybrid-bf16-weights' matmul-in-bf16) on a target with AVX512-BF16
    (`+avx512bf16`, 512-bit vectors), unless the AMX kernel takes it,
    takes the same loop nest
    with vdpbf16ps (`x86vector.avx512.dot`): A is rounded to bf16 once per
    call (rows shared among the threads), each panel of W is packed in
    pairs of k's (32 k's of 16 rows are 16 × 16 i32 words transposed in
    registers; an odd K's last pair padded with zeros), KC is sized for
    pairs of bf16 (a quarter of L2, at most 1024), and each step of the
    micro-kernel broadcasts a row's pair of A as one 32-bit word into NV
    vdpbf16ps: two multiply-adds per f32 lane, twice the FMA kernel's rate.
    Results move by A's rounding (~2⁻⁹ of each product).
  }];
  let options = [
    Option<"minRows", "min-rows", "int64_t", "::mlir::hybrid::kPackedGemmMinRows",
           "Fewest rows of C that take the packed path">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::math::MathDialect", "::mlir::amx::AMXDialect",
                           "::mlir::x86vector::X86VectorDialect"];
}

def WeightsInPanels : Pass<"hybrid-weights-in-panels", "ModuleOp"> {
  let summary = "Weights the runtime packs once at load, read by the GEMM kernels as they lie";
  let description = [{
    After `hybrid-packed-gemm`. A weight argument of a public function
    (recorded by `hybrid-emit-c-interface`'s `record-weights`) that is an
    f32 [N, K] with N a whole number of the packed kernel's panels (NR rows:
    64 with 512-bit vectors) and whose every use, through calls of private
    functions (outlined layers, every caller of which passes such a
    weight), is the W of an f32 GEMM or matrix-vector kernel call, is taken
    in panels instead: the runtime stores it once, at load, as
    [N/NR, K, NR] (W[n][k] at [n / NR][k][n % NR]), the layout the packed
    GEMM's micro-kernel reads. The public function keeps its [N, K]
    argument (the same buffer, reinterpreted); private functions take
    memref<N/NR x K x NR>; each call names the kernel's panel variant:
    the packed GEMM without its per-call packing of W (a thread's panel is
    W[jp][pc .. pc + KC][:], contiguous), and a matrix-vector kernel that
    streams whole panels as axpys. Which arguments changed is recorded on
    the module as `hybrid.weights_in_panels` = {function: array<i64: NR or
    0 per argument>}, which the compiler copies into the model's interface
    so that the runtime packs those weights (DESIGN.md §5). Weights used in
    any other way (an embedding table, a tied head, a state's initial
    value), bf16 weights and experts' weights stay as they are.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

def GPUMapLoops : Pass<"hybrid-gpu-map-loops", "ModuleOp"> {
  let summary = "Run every outermost parallel loop as a GPU kernel, one thread per iteration";
  let description = [{
    The correctness-first mapping of hybrid-gpu-pipeline (on buffers):
    every `scf.parallel` that is not inside another one or a `gpu.launch`,
    and has no reductions, becomes a `gpu.launch` of 1-D blocks of
    `block-size` threads, one thread per iteration of the whole (collapsed)
    iteration space: the thread's linear id is split back into the loop's
    induction variables, and threads past the last iteration do nothing.
    Nested parallel loops run in order within their thread.

    A buffer a thread allocates with a static shape and that does not leave
    the loop body it is made in (not yielded) becomes thread-private memory
    (`memref.alloca` at the kernel's entry, reused by every iteration of
    the loops around it, whose deallocs go); any other allocation in a
    kernel stays a `memref.alloc` (the device heap).

    Loops with reductions and code outside parallel loops stay on the host,
    which reads the same buffers (hybrid-gpu-pipeline allocates them in
    managed memory).
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", "256",
           "Threads per block">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"];
}

def GPUOneKernelModule : Pass<"hybrid-gpu-one-kernel-module", "ModuleOp"> {
  let summary = "Merge the kernel modules gpu-kernel-outlining made into one";
  let description = [{
    gpu-kernel-outlining puts each kernel in a `gpu.module` of its own;
    this moves every kernel (and the symbols it uses) into the first one,
    `@hybrid_kernels`, and points every `gpu.launch_func` at it, so a
    program is one PTX module: one `ptxas` run, one cubin the runtime loads
    once, and `--emit=ptx` writes one file.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def GPUDeviceHeap : Pass<"hybrid-gpu-device-heap", "ModuleOp"> {
  let summary = "Kernels take the buffers they allocate from the device heap";
  let description = [{
    A kernel that allocates a buffer per step (a chunked scan's state
    carried from chunk to chunk by pointer) keeps a `memref.alloc` that
    the host's memref lowering turns into calls of
    `_mlir_memref_to_llvm_alloc` / `_free`, which exist on the host only
    (ptxas: "Unresolved extern function"). Inside every `gpu.module` this
    renames them to PTX's device-heap `malloc` / `free`, which the CUDA
    driver provides (the runtime sizes the heap). Runs after the memref
    lowering; an aligned allocation in a kernel is refused.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def GPULaunchToLoops : Pass<"hybrid-gpu-launch-to-loops", "ModuleOp"> {
  let summary = "Run each gpu.launch on the host, as a parallel loop over its blocks and threads";
  let description = [{
    A check of the GPU mapping where there is no GPU: every `gpu.launch`
    becomes an `scf.parallel` over its grid and block (block ids, thread
    ids and the launch's sizes become the loop's induction variables and
    bounds), with the kernel's body as the loop's, so the CPU pipeline
    compiles and runs exactly the code each GPU thread would run
    (`hybrid-cpu-pipeline{emulate-gpu-kernels}`). Kernels that
    synchronise threads (`gpu.barrier`) or share memory among them cannot
    run this way and are refused. A thread's private memory (the allocas
    at a kernel's entry) becomes a buffer allocated and freed by each
    iteration.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"];
}

#endif // HYBRID_TRANSFORMS_PASSES_TD

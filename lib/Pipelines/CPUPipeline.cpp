//===- CPUPipeline.cpp - hybrid → LLVM dialect for the host CPU -----------===//

#include "hybrid/Conversion/Passes.h"
#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Target/CPUTarget.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::hybrid;

namespace {
/// Marks every public function for a C-callable `_mlir_ciface_` wrapper:
/// the entry points of the JIT and of emitted objects, whose tensor
/// arguments become read-only. Argument attributes of the hybrid dialect
/// (hybrid.weight, hybrid.input) are runtime metadata, read before
/// compilation; they are dropped here so that LLVM never sees them.
struct EmitCInterfacePass
    : PassWrapper<EmitCInterfacePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(EmitCInterfacePass)
  StringRef getArgument() const override { return "hybrid-emit-c-interface"; }
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp f) {
      if (!f.isPublic() || f.isExternal())
        return;
      f->setAttr("llvm.emit_c_interface", UnitAttr::get(f.getContext()));
      for (unsigned i = 0; i < f.getNumArguments(); ++i) {
        SmallVector<StringAttr> names;
        for (NamedAttribute attr : f.getArgAttrDict(i) ? f.getArgAttrDict(i).getValue()
                                                         : ArrayRef<NamedAttribute>())
          if (attr.getName().strref().starts_with("hybrid."))
            names.push_back(attr.getName());
        for (StringAttr name : names)
          f.removeArgAttr(i, name);
        // Arguments are read in place by the JIT and by callers of emitted
        // objects (weights, carried state): bufferization must not write
        // into them, and copies first where an op would.
        if (isa<TensorType>(f.getArgumentTypes()[i]))
          f.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                       BoolAttr::get(f.getContext(), false));
      }
    });
  }
};

/// Lets LLVM vectorise reductions: the float adds and multiplies of linalg
/// ops with a reduction dimension may be reassociated (partial sums in vector
/// lanes) and contracted (FMA). This reorders sums the way every optimised
/// kernel does; results stay within the 1e-4 tolerance of the reference.
struct ReassociateReductionsPass
    : PassWrapper<ReassociateReductionsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ReassociateReductionsPass)
  StringRef getArgument() const override {
    return "hybrid-reassociate-reductions";
  }
  void runOnOperation() override {
    auto flags = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() == 0)
        return;
      op->walk([&](arith::ArithFastMathInterface math) {
        math->setAttr(math.getFastMathAttrName(),
                      arith::FastMathFlagsAttr::get(op->getContext(), flags));
      });
    });
  }
};

/// Marks the memref arguments of public functions `llvm.noalias`, which the C
/// interface carries onto its descriptor pointers. LLVM then knows that
/// storing to an output cannot change a descriptor's sizes and strides, which
/// it would otherwise reload after every store and so never vectorise (6x on
/// a 512^3 matmul). Sound because the runtime, and the C interface's contract
/// for callers, give every argument its own descriptor and buffer.
struct NoAliasArgumentsPass
    : PassWrapper<NoAliasArgumentsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(NoAliasArgumentsPass)
  StringRef getArgument() const override { return "hybrid-noalias-arguments"; }
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp f) {
      if (!f.isPublic() || f.isExternal())
        return;
      for (unsigned i = 0; i < f.getNumArguments(); ++i)
        if (isa<MemRefType>(f.getArgument(i).getType()))
          f.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(),
                       UnitAttr::get(f.getContext()));
    });
  }
};

/// Replaces exp, tanh, erf, log1p, ... by MLIR's f32 polynomial approximations:
/// plain arithmetic that LLVM vectorises, where libm calls would keep every
/// softmax, gate and scan step scalar. Accurate to a few ulp in f32.
struct ApproximateMathPass
    : PassWrapper<ApproximateMathPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ApproximateMathPass)
  StringRef getArgument() const override { return "hybrid-approximate-math"; }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, math::MathDialect, vector::VectorDialect>();
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

/// Cache-blocks large matmul-like contractions (one reduction, innermost, at
/// least two parallel dims): the two innermost parallel dims and the
/// reduction are tiled so that the three tiles fit in half of L2, the
/// innermost parallel tile a multiple of the vector width. Sizes come from
/// the CPU target (vector width, L2 size), not from literals.
struct TileContractionsPass
    : PassWrapper<TileContractionsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TileContractionsPass)
  StringRef getArgument() const override { return "hybrid-tile-contractions"; }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<scf::SCFDialect, tensor::TensorDialect>();
  }
  void runOnOperation() override {
    CPUTarget target = CPUTarget::host();
    SmallVector<linalg::GenericOp> candidates;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.getNumReductionLoops() == 1 && op.getNumParallelLoops() >= 2 &&
          op.getNumDpsInputs() >= 2 &&
          op.hasPureTensorSemantics() && op.getStaticLoopRanges().size() > 0 &&
          !llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : candidates) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
      int64_t volume = 1;
      for (int64_t r : ranges)
        volume *= r;
      if (volume < (int64_t(1) << 22))
        continue;
      // The two innermost parallel dims (m, n) and the reduction (k).
      SmallVector<unsigned> parallel;
      unsigned k = 0;
      for (unsigned d = 0; d < kinds.size(); ++d)
        (kinds[d] == utils::IteratorType::parallel ? (void)parallel.push_back(d)
                                                   : (void)(k = d));
      unsigned n = parallel.back(), m = parallel[parallel.size() - 2];
      const int64_t lanes = target.lanes(), budget = target.l2Bytes / 2 / 4;
      // Matmul-like only: the reduction is the innermost loop (contiguous
      // operands, vectorised with reassociation) and long enough to block.
      // Attention's short head-dim reductions lose from it (measured).
      if (k != kinds.size() - 1 || ranges[k] < 8 * lanes)
        continue;
      int64_t tk = std::min<int64_t>(ranges[k], 256);
      int64_t tn = std::min<int64_t>(ranges[n], 8 * lanes);
      int64_t tm = std::max<int64_t>(
          1, std::min<int64_t>(ranges[m], (budget - tn * tk) / (tk + tn)));
      SmallVector<OpFoldResult> sizes(kinds.size(), rewriter.getIndexAttr(1));
      for (unsigned d = 0; d < kinds.size(); ++d)
        if (d != m && d != n && d != k && kinds[d] == utils::IteratorType::parallel)
          sizes[d] = rewriter.getIndexAttr(1);
      sizes[m] = rewriter.getIndexAttr(tm);
      sizes[n] = rewriter.getIndexAttr(tn);
      sizes[k] = rewriter.getIndexAttr(tk);
      scf::SCFTilingOptions options;
      options.setTileSizes(sizes);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      rewriter.replaceOp(op, tiled->replacements);
    }
  }
};

/// Whether a producer's body is a few arithmetic ops (rsqrt included): no
/// transcendental function and no gather.
bool cheapToRecompute(Operation *producer) {
  bool cheap = true;
  producer->walk([&](Operation *op) {
    if (isa<tensor::ExtractOp, math::ExpOp, math::ExpM1Op, math::LogOp,
            math::Log1pOp, math::SinOp, math::CosOp, math::TanhOp, math::ErfOp,
            math::PowFOp>(op))
      cheap = false;
  });
  return cheap;
}

/// How many times the consumer's loops would compute each element of the
/// fused producer (its iteration space over the producer's).
int64_t recomputeFactor(linalg::LinalgOp producer, linalg::LinalgOp consumer) {
  auto volume = [](linalg::LinalgOp op) {
    int64_t n = 1;
    for (int64_t size : op.getStaticLoopRanges())
      n *= ShapedType::isDynamic(size) ? 1 : size;
    return n;
  };
  return volume(consumer) / std::max<int64_t>(volume(producer), 1);
}

/// Linalg's elementwise fusion, except an expensive producer into a
/// consumer that would recompute each of its elements several times (a
/// broadcast: a contraction, or attention scores reading q for every key).
/// RoPE's sin, cos and exp for every (query, key, d) of the KV-cache attention
/// made a 1k-token prefill 25x slower than the attention itself. Cheap
/// producers (a norm's scaling feeding a projection) and expensive ones read
/// about once (Mamba's −exp(A) inside the scan step, batch 1) still fuse.
struct FuseElementwiseOncePass
    : PassWrapper<FuseElementwiseOncePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FuseElementwiseOncePass)
  StringRef getArgument() const override { return "hybrid-fuse-elementwise-once"; }
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::ControlFusionFn once = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      if (!producer || !producer->hasOneUse())
        return false;
      auto linalgProducer = dyn_cast<linalg::LinalgOp>(producer);
      return !consumer || !linalgProducer || cheapToRecompute(producer) ||
             recomputeFactor(linalgProducer, consumer) <= 2;
    };
    // The pattern set of upstream's LinalgElementwiseOpFusionPass, with
    // `once` as the control.
    linalg::populateElementwiseOpsFusionPatterns(patterns, once);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, once);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
        patterns);
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }
};

/// Rewrites memref.copy as linalg.copy, which lowers to plain loops: strided
/// copies (scan outputs written a time step at a time) would otherwise call
/// `memrefCopy` from MLIR's runner utils, a runtime library that neither the
/// JIT nor emitted objects should depend on.
struct CopiesToLoopsPass
    : PassWrapper<CopiesToLoopsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CopiesToLoopsPass)
  StringRef getArgument() const override { return "hybrid-copies-to-loops"; }
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};
} // namespace

void mlir::hybrid::buildCPUPipeline(OpPassManager &pm,
                                    const CPUPipelineOptions &options) {
  pm.addPass(createCanonicalizerPass());
  // Attention tiles: a vector of queries against four vectors of keys.
  CPUTarget target = CPUTarget::host();
  ConvertHybridToLinalgOptions lowering;
  lowering.attentionQueryTile = target.lanes();
  lowering.attentionKeyTile = 4 * target.lanes();
  pm.addPass(createConvertHybridToLinalg(lowering));
  // Residual additions and gates are arith ops on tensors.
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(std::make_unique<FuseElementwiseOncePass>());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(std::make_unique<ReassociateReductionsPass>());
  pm.addPass(std::make_unique<TileContractionsPass>());
  pm.addPass(createCanonicalizerPass());
  if (!options.lowerToLLVM)
    return;

  pm.addPass(std::make_unique<ApproximateMathPass>());
  pm.addPass(std::make_unique<EmitCInterfacePass>());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Scan and recurrence loops carry fresh tensors from step to step.
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Results become caller-owned out parameters: the caller allocates them
  // from the signature's static shapes, and nothing is returned by malloc.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.modifyPublicFunctions = true;
  outParams.hoistStaticAllocs = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addPass(std::make_unique<NoAliasArgumentsPass>());
  // At module level: lowering multi-buffer deallocs inserts a helper function.
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(std::make_unique<CopiesToLoopsPass>());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // Strided metadata becomes affine.apply, so it expands before lower-affine.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::hybrid::registerCPUPipeline() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "hybrid-cpu-pipeline",
      "Compile hybrid ops on tensors to the LLVM dialect for the host CPU",
      buildCPUPipeline);
}

void mlir::hybrid::registerCPUPipelineDialects(DialectRegistry &registry) {
  registry.insert<HybridDialect, arith::ArithDialect, bufferization::BufferizationDialect,
                  cf::ControlFlowDialect, func::FuncDialect, LLVM::LLVMDialect,
                  linalg::LinalgDialect, math::MathDialect, memref::MemRefDialect,
                  scf::SCFDialect, tensor::TensorDialect, vector::VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerTilingInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
}

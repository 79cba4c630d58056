//===- ModelCompiler.cpp - Model descriptions to runnable models ----------===//

#include "hybrid/Compiler/ModelCompiler.h"

#include "hybrid/Compiler/JitModule.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Frontend/Frontend.h"
#include "hybrid/Frontend/ImportedLocations.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Runtime/Artifact.h"
#include "hybrid/Support/Checkpoint.h"
#include "hybrid/Support/MappedFile.h"
#include "hybrid/Target/GPUTarget.h"
#include "hybrid/Target/HostCodegen.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <map>

using namespace mlir;
using namespace mlir::hybrid;

const char *mlir::hybrid::stringifyWeightType(WeightType type) {
  switch (type) {
  case WeightType::F32:
    return "f32";
  case WeightType::BF16:
    return "bf16";
  case WeightType::BF16Matmul:
    return "bf16-matmul";
  }
  llvm_unreachable("unknown weight type");
}

void mlir::hybrid::addWeightTypePasses(OpPassManager &pm, WeightType type) {
  if (type == WeightType::F32)
    return;
  BFloat16WeightsOptions options;
  options.matmulInBF16 = type == WeightType::BF16Matmul;
  pm.addPass(createBFloat16Weights(options));
}

LogicalResult mlir::hybrid::applyWeightType(ModuleOp module, WeightType type) {
  if (type == WeightType::F32)
    return success();
  PassManager pm(module.getContext());
  addWeightTypePasses(pm, type);
  return pm.run(module);
}

bool mlir::hybrid::parseWeightType(const std::string &text, WeightType &out) {
  for (WeightType type : {WeightType::F32, WeightType::BF16, WeightType::BF16Matmul})
    if (text == stringifyWeightType(type)) {
      out = type;
      return true;
    }
  return false;
}

std::vector<int64_t> mlir::hybrid::chunkSizesFor(int64_t maxTokens) {
  std::vector<int64_t> sizes;
  for (int64_t size : kChunkSizes)
    if (size == 1 || size <= maxTokens)
      sizes.push_back(size);
  return sizes;
}

namespace {
DialectRegistry compilerRegistry() {
  DialectRegistry registry;
  registerGPUPipelineDialects(registry);
  return registry;
}

std::string symbolFor(int64_t batch, int64_t tokens, bool firstCall) {
  return "forward_b" + std::to_string(batch) + "_t" + std::to_string(tokens) +
         (firstCall ? "_first" : "");
}

/// The checkpoint's tensor names, which tell the importer which of HF's
/// layouts the weights are in.
bool checkpointNames(const std::string &file, std::vector<std::string> &names,
                     std::string &error) {
  if (file.empty())
    return true;
  std::unique_ptr<Checkpoint> checkpoint = Checkpoint::open(file, error);
  if (!checkpoint)
    return false;
  names = checkpoint->names();
  return true;
}

TensorSignature tensorSignature(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  TensorSignature out;
  out.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  Type element = tensor.getElementType();
  out.dtype = element.isF32() ? DType::F32 : element.isBF16() ? DType::BF16 : DType::I64;
  return out;
}

/// Imports the model's function for batch × tokens as `symbol` (its
/// outlined layers prefixed with it), and describes it in `fn`.
OwningOpRef<ModuleOp> importFunction(MLIRContext *context, const std::string &description,
                                     int64_t batch, int64_t tokens, bool firstCall,
                                     int64_t maxTokens, const std::vector<std::string> *names,
                                     WeightType weightType, ProgramFunction &fn,
                                     ModelInfo &info, std::string &error) {
  ModelInputShape shape{batch, tokens};
  shape.carryState = true;
  shape.maxTokens = maxTokens;
  shape.firstCall = firstCall;
  OwningOpRef<ModuleOp> module = importModel(context, description, shape, info, error, names);
  if (!module)
    return nullptr;
  // Before the signature is read: it records which weights are bf16.
  if (failed(applyWeightType(*module, weightType))) {
    error = description + ": keeping the weights in bf16 failed";
    return nullptr;
  }
  fn = ProgramFunction();
  fn.symbol = symbolFor(batch, tokens, firstCall);
  fn.batch = batch;
  fn.tokens = tokens;
  fn.firstCall = firstCall;
  // Every function gets a name of its own, so that the functions of all
  // token counts can share one module (an artifact's shared object).
  for (auto func : llvm::make_early_inc_range(module->getOps<func::FuncOp>())) {
    std::string name = func.getName() == "forward" ? fn.symbol
                                                   : fn.symbol + "_" + func.getName().str();
    if (failed(SymbolTable::replaceAllSymbolUses(func, StringAttr::get(context, name),
                                                 *module)))
      return nullptr;
    SymbolTable::setSymbolName(func, name);
  }
  auto func = module->lookupSymbol<func::FuncOp>(fn.symbol);
  FunctionSignatureRoles roles = readSignature(func);
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    const ArgumentSignature &role = roles.arguments[i];
    ProgramArgument arg;
    TensorSignature type = tensorSignature(func.getArgumentTypes()[i]);
    arg.shape = type.shape;
    arg.dtype = type.dtype;
    arg.name = role.name;
    if (i == 0) {
      arg.kind = ArgumentKind::Ids;
    } else if (role.role == ArgumentRole::Positions) {
      arg.kind = ArgumentKind::Positions;
    } else if (role.role == ArgumentRole::Extent) {
      arg.kind = ArgumentKind::Extent;
    } else if (role.role == ArgumentRole::State) {
      arg.kind = ArgumentKind::State;
      arg.initialWeight = role.initialWeight;
    } else if (role.role == ArgumentRole::Weight) {
      arg.kind = ArgumentKind::Weight;
    } else if (role.role == ArgumentRole::Input && role.zerosByDefault) {
      arg.kind = ArgumentKind::Zeros;
    } else {
      error = description + ": argument " + std::to_string(i) +
              " of the model is neither ids, state nor weight";
      return nullptr;
    }
    fn.arguments.push_back(arg);
    fn.signature.args.push_back(type);
  }
  for (unsigned r = 0; r < func.getNumResults(); ++r) {
    fn.signature.results.push_back(tensorSignature(func.getResultTypes()[r]));
    if (r > 0)
      fn.stateResults.push_back(roles.resultStates[r]);
  }
  return module;
}

/// Which weights `fn`'s code reads in panels (from its compiled signature),
/// for the runtime, which packs them at load.
void recordWeightPanels(const FunctionSignature &compiled, ProgramFunction &fn) {
  for (size_t i = 0; i < fn.arguments.size() && i < fn.signature.args.size() &&
                     i < compiled.args.size();
       ++i) {
    fn.arguments[i].panelRows = compiled.args[i].panelRows;
    fn.signature.args[i].panelRows = compiled.args[i].panelRows;
  }
}

/// Functions compiled (or, for the reference, imported) as sessions ask.
class CompilingModelCode : public ModelCode {
public:
  CompilingModelCode(const std::string &description, Target target, int64_t maxTokens,
                     WeightType weightType, std::vector<std::string> names, bool haveNames)
      : context(compilerRegistry()), description(description), target(target),
        weightType(weightType), names(std::move(names)), haveNames(haveNames) {
    model.model = description;
    model.maxTokens = maxTokens;
    model.chunkSizes = chunkSizesFor(maxTokens);
  }

  const ModelInterface &interface() const override { return model; }

  const ProgramFunction *function(int64_t batch, int64_t tokens, bool firstCall,
                                  std::string &error) override {
    if (const ProgramFunction *fn = model.find(batch, tokens, firstCall))
      return fn;
    ProgramFunction fn;
    ModelInfo info;
    OwningOpRef<ModuleOp> module =
        importFunction(&context, description, batch, tokens, firstCall, model.maxTokens,
                       haveNames ? &names : nullptr, weightType, fn, info, error);
    if (!module)
      return nullptr;
    model.vocabSize = info.vocabSize;
    model.modelType = info.modelType;
    if (target == Target::CPU) {
      // A session's state is updated where it lies (Session passes it so).
      CPUPipelineOptions pipeline;
      pipeline.stateInPlace = true;
      fn.stateInPlace = true;
      // Model packs the weights the code reads in panels once, at load.
      pipeline.weightsInPanels = true;
      std::unique_ptr<JitModule> jit = JitModule::compile(*module, error, &pipeline);
      if (!jit)
        return nullptr;
      recordWeightPanels(*jit->signature(fn.symbol), fn);
      jits[fn.symbol] = std::move(jit);
    } else {
      modules[fn.symbol] = std::move(module);
    }
    ++compiles;
    model.functions.push_back(std::move(fn));
    return &model.functions.back();
  }

  bool run(const ProgramFunction &fn, const std::vector<const HostTensor *> &args,
           std::vector<HostTensor> &results, std::string &error) override {
    if (target == Target::CPU)
      return jits.at(fn.symbol)->run(fn.symbol, args, results, error);
    std::vector<HostTensor> copies;
    for (const HostTensor *arg : args)
      copies.push_back(*arg);
    return reference::interpret(modules.at(fn.symbol)->lookupSymbol<func::FuncOp>(fn.symbol),
                                copies, results, error);
  }

  int64_t compiledFunctions() const override { return compiles; }

private:
  // Declared first: the modules must go before their context.
  MLIRContext context;
  // Diagnostics on the imported model's IR name its file and layer, as the
  // tools print them (not MLIR's default `loc(...)` form).
  ImportedModelDiagnostics diagnostics{&context};
  std::string description;
  Target target;
  WeightType weightType;
  std::vector<std::string> names;
  bool haveNames;
  ModelInterface model;
  std::map<std::string, OwningOpRef<ModuleOp>> modules;
  std::map<std::string, std::unique_ptr<JitModule>> jits;
  int64_t compiles = 0;
};

/// (tokens, firstCall) of every function a session calls.
std::vector<std::pair<int64_t, bool>> sessionFunctions(const std::vector<int64_t> &sizes) {
  std::vector<std::pair<int64_t, bool>> plan;
  for (int64_t size : sizes)
    plan.push_back({size, false});
  if (sizes.front() > 1)
    plan.push_back({sizes.front(), true});
  return plan;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
} // namespace

std::unique_ptr<Model> mlir::hybrid::loadModel(const std::string &description,
                                               const Weights &weights, Target target,
                                               std::string &error, int64_t maxTokens,
                                               WeightType weightType) {
  if (target == Target::CUDA) {
    error = "the CUDA target runs compiled-model artifacts: load it with "
            "loadModelForSessions";
    return nullptr;
  }
  std::vector<std::string> names;
  if (!checkpointNames(weights.file, names, error))
    return nullptr;
  auto code = std::make_unique<CompilingModelCode>(description, target, maxTokens, weightType,
                                                   std::move(names), !weights.file.empty());
  // Import (and compile) one function now so that a bad description or
  // checkpoint fails here; its weights are every weight of the model.
  if (!code->function(1, 1, /*firstCall=*/false, error))
    return nullptr;
  return Model::create(std::move(code), weights, error);
}

bool mlir::hybrid::compileModelArtifact(const std::string &description,
                                        const ArtifactOptions &options,
                                        const std::string &path, std::string &error) {
  const auto start = std::chrono::steady_clock::now();
  const bool cuda = !options.gpuChip.empty();
  std::string toolkit;
  if (cuda) {
    if (!isGPUChipName(options.gpuChip)) {
      error = "--gpu-chip: expected an NVIDIA architecture such as sm_80, sm_90 or sm_90a, "
              "got '" + options.gpuChip + "'";
      return false;
    }
    if (options.weightType != WeightType::F32) {
      error = std::string("--weight-type=") + stringifyWeightType(options.weightType) +
              ": the CUDA target keeps weights in f32 for now";
      return false;
    }
    if (!findCUDAToolkit(options.cudaPath, /*needPtxas=*/true, toolkit, error))
      return false;
  }
  std::vector<std::string> names;
  if (!checkpointNames(options.checkpoint, names, error))
    return false;
  MLIRContext context(compilerRegistry());
  // A failing stage (ptxas) is its message, not the kernel module printed.
  context.printOpOnDiagnostic(false);
  ImportedModelDiagnostics diagnostics(&context);
  OwningOpRef<ModuleOp> merged = ModuleOp::create(UnknownLoc::get(&context));
  ModelInterface model;
  model.model = description;
  model.maxTokens = options.maxTokens;
  model.chunkSizes = chunkSizesFor(options.maxTokens);
  const auto plan = sessionFunctions(model.chunkSizes);
  for (auto [tokens, firstCall] : plan) {
    ProgramFunction fn;
    ModelInfo info;
    OwningOpRef<ModuleOp> module = importFunction(
        &context, description, options.batch, tokens, firstCall, options.maxTokens,
        options.checkpoint.empty() ? nullptr : &names, options.weightType, fn, info, error);
    if (!module)
      return false;
    model.vocabSize = info.vocabSize;
    model.modelType = info.modelType;
    for (Operation &op : llvm::make_early_inc_range(*module->getBody()))
      op.moveBefore(merged->getBody(), merged->getBody()->end());
    // And what the module says of its code (hybrid.matmul_precision).
    for (NamedAttribute attr : (*module)->getDiscardableAttrs())
      merged->getOperation()->setDiscardableAttr(attr.getName(), attr.getValue());
    model.functions.push_back(std::move(fn));
  }
  if (options.verbose) {
    llvm::errs() << llvm::format("hybrid: compiling %s: %zu functions (batch %lld, chunks of",
                                 description.c_str(), plan.size(), (long long)options.batch);
    for (int64_t size : model.chunkSizes)
      llvm::errs() << " " << size;
    llvm::errs() << llvm::format(" tokens, context %lld)...\n", (long long)options.maxTokens);
  }
  // The code is for this machine; the manifest says which CPU that is, so
  // that another machine lacking a feature refuses it instead of crashing.
  // GPU kernels' host code is for any x86-64 CPU: it runs on the GPU
  // machine's, unknown here.
  const CPUTarget host = cuda ? CPUTarget::generic() : CPUTarget::host();
  setCPUTarget(*merged, host);
  model.cpu = host.cpu;
  model.features = host.features;
  std::string object;
  llvm::StringMap<FunctionSignature> signatures;
  CPUPipelineOptions pipeline;
  pipeline.stateInPlace = !cuda;
  pipeline.weightsInPanels = !cuda;
  for (ProgramFunction &fn : model.functions)
    fn.stateInPlace = !cuda;
  // A fat binary: the cubin for the chip and its PTX, which the driver
  // compiles for a later GPU.
  GPUPipelineOptions gpu;
  gpu.chip = options.gpuChip;
  gpu.cudaPath = toolkit;
  gpu.format = "fatbin";
  if (cuda) {
    model.target = "cuda";
    model.gpuChip = options.gpuChip;
  }
  if (!compileToObject(*merged, object, signatures, error, &pipeline, cuda ? &gpu : nullptr))
    return false;
  for (ProgramFunction &fn : model.functions)
    recordWeightPanels(signatures[fn.symbol], fn);

  // The object becomes a shared object with the system's linker driver.
  llvm::SmallString<128> objectPath, libraryPath;
  if (llvm::sys::fs::createTemporaryFile("hybrid-module", "o", objectPath) ||
      llvm::sys::fs::createTemporaryFile("hybrid-module", "so", libraryPath)) {
    error = "cannot create temporary files to link the artifact's code";
    return false;
  }
  auto cleanup = [&] {
    llvm::sys::fs::remove(objectPath);
    llvm::sys::fs::remove(libraryPath);
  };
  std::string code;
  bool ok = [&] {
    std::FILE *out = std::fopen(objectPath.c_str(), "wb");
    if (!out || std::fwrite(object.data(), 1, object.size(), out) != object.size()) {
      if (out)
        std::fclose(out);
      error = std::string(objectPath) + ": cannot write the object file";
      return false;
    }
    std::fclose(out);
    if (!linkSharedLibrary(std::string(objectPath), std::string(libraryPath), error))
      return false;
    return readTextFile(std::string(libraryPath), code, error);
  }();
  cleanup();
  if (!ok || !writeArtifact(path, model, code, options.key, error))
    return false;
  if (options.verbose)
    llvm::errs() << llvm::format("hybrid: wrote %s (%.1f MB of code) in %.1f s\n",
                                 path.c_str(), code.size() / 1e6, secondsSince(start));
  return true;
}

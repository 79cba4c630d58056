//===- hybrid-compile.cpp - The hybrid-mlir compiler driver ---------------===//
//
//   hybrid-compile INPUT -o OUT --emit=hybrid|linalg|llvm|obj|shared-lib|module|ptx|cubin
//                  [--target=cpu|cuda] [--gpu-chip=sm_80] [--batch=B --seq-len=S --memory=M]
//                  [--max-tokens=N] [--carry-state] [--verbose]
//
// INPUT is a .mlir file, a model's config.json or a hybrid model JSON
// (imported as @forward for token ids of shape [B, S], with M rows of carried
// memory for Transformer-XL and memory layers).
//
// Writes one stage of the CPU pipeline: the verified, canonicalized hybrid
// IR; the linalg/scf IR after convert-hybrid-to-linalg and fusion; LLVM IR
// optimised for this CPU; a PIC object; or a shared library. Every public
// function is exported as `_mlir_ciface_NAME(inputs..., outputs...)`, each
// argument a pointer to a memref descriptor (see examples/aot/).
//
// --emit=module writes a compiled-model artifact (docs/artifact.md): every
// function a generation session of B sequences calls (any prompt length up
// to --max-tokens), their signature as data, and their code, which
// hybrid-run-module runs without LLVM.
//
// --target=cuda compiles through hybrid-gpu-pipeline instead: --emit=ptx
// writes the program's kernels as one PTX module, --emit=cubin that module
// assembled by the CUDA toolkit's ptxas for --gpu-chip, --emit=llvm|obj the
// host code that launches them (the cubin embedded), --emit=module a
// compiled-model artifact whose kernels run on the GPU (a fat binary: the
// cubin and its PTX) and whose host code runs on any x86-64 CPU, calling
// the runtime's CUDA functions (hybrid-run-module runs it). --emit=shared-lib
// is refused for it: the host code needs that runtime.
//
//===----------------------------------------------------------------------===//

#include "../common/PrintableErrorStream.h"
#include "../common/WeightTypeFlag.h"
#include "hybrid/Compiler/ModelCompiler.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Frontend/Frontend.h"
#include "hybrid/Frontend/ImportedLocations.h"
#include "hybrid/Support/Checkpoint.h"
#include "hybrid/Support/IRNestingDepth.h"
#include "hybrid/Support/MappedFile.h"
#include "hybrid/Support/ModelDirectory.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Target/GPUTarget.h"
#include "hybrid/Target/HostCodegen.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <chrono>

using namespace mlir;
using namespace mlir::hybrid;

namespace {

enum class Emit { Hybrid, Linalg, LLVM, Obj, SharedLib, Module, PTX, Cubin };
enum class Device { CPU, CUDA };

llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                     llvm::cl::desc("<input .mlir>"),
                                     llvm::cl::Required);
llvm::cl::opt<std::string> outputFile("o", llvm::cl::desc("Output file"),
                                      llvm::cl::value_desc("path"),
                                      llvm::cl::init("-"));
llvm::cl::opt<Emit> emit(
    "emit", llvm::cl::desc("What to write"), llvm::cl::Required,
    llvm::cl::values(
        clEnumValN(Emit::Hybrid, "hybrid", "verified, canonicalized hybrid IR"),
        clEnumValN(Emit::Linalg, "linalg", "after convert-hybrid-to-linalg"),
        clEnumValN(Emit::LLVM, "llvm", "LLVM IR optimised for this CPU"),
        clEnumValN(Emit::Obj, "obj", "an object file for this CPU"),
        clEnumValN(Emit::SharedLib, "shared-lib", "a shared library"),
        clEnumValN(Emit::Module, "module",
                   "a compiled-model artifact for hybrid-run-module (models only)"),
        clEnumValN(Emit::PTX, "ptx", "--target=cuda: the kernels, one PTX module"),
        clEnumValN(Emit::Cubin, "cubin",
                   "--target=cuda: the kernels assembled by ptxas for --gpu-chip")));
llvm::cl::opt<Device> target(
    "target", llvm::cl::desc("Target"), llvm::cl::init(Device::CPU),
    llvm::cl::values(clEnumValN(Device::CPU, "cpu", "this CPU"),
                     clEnumValN(Device::CUDA, "cuda", "NVIDIA GPUs (hybrid-gpu-pipeline)")));
llvm::cl::opt<std::string> gpuChip(
    "gpu-chip", llvm::cl::desc("--target=cuda: the GPU to compile for (sm_80, sm_90, sm_90a, ...)"),
    llvm::cl::init("sm_80"));
llvm::cl::opt<std::string> cudaPath(
    "cuda-path",
    llvm::cl::desc("--target=cuda: the CUDA toolkit whose ptxas and libdevice to use "
                   "(default: $CUDA_ROOT, $CUDA_HOME, $CUDA_PATH, then /usr/local/cuda)"),
    llvm::cl::init(""));
llvm::cl::opt<int64_t> maxTokens(
    "max-tokens",
    llvm::cl::desc("--emit=module and --carry-state: the longest context a session "
                   "holds (the KV caches of global attention layers)"),
    llvm::cl::init(2048));
llvm::cl::opt<bool> carryState(
    "carry-state",
    llvm::cl::desc("Models: import the function a generation session calls for "
                   "--seq-len tokens after the first call (state in, next state out)"),
    llvm::cl::init(false));

llvm::cl::opt<int64_t> batchSize("batch",
                                  llvm::cl::desc("Model input batch (config.json)"),
                                  llvm::cl::init(1));
llvm::cl::opt<int64_t> seqLen("seq-len",
                              llvm::cl::desc("Model input length (config.json)"),
                              llvm::cl::init(8));
llvm::cl::opt<bool> verbose("verbose",
                            llvm::cl::desc("Report the time of each stage"),
                            llvm::cl::init(false));
llvm::cl::opt<int64_t> memoryRows(
    "memory", llvm::cl::desc("Rows of carried Transformer-XL memory the model "
                             "takes per layer (model JSON; 0: none)"),
    llvm::cl::init(0));

llvm::cl::opt<WeightType> weightType("weight-type", llvm::cl::desc(kWeightTypeFlagHelp),
                                     llvm::cl::init(WeightType::F32), weightTypeValues());

int fail(const std::string &message) {
  errorStream() << "hybrid-compile: error: " << message << "\n";
  return 1;
}

} // namespace

/// Flushes `out` and keeps it; false with `error` naming the file when a
/// write failed (a full disk or /dev/full), instead of LLVM's fatal "IO
/// failure on output stream" when the stream closes.
bool finishOutput(llvm::ToolOutputFile &out, const std::string &path, std::string &error) {
  out.os().flush();
  if (out.os().has_error()) {
    error = path + ": write failed (" + out.os().error().message() + ")";
    out.os().clear_error();
    return false;
  }
  out.keep();
  return true;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // --mlir-print-debuginfo and friends for --emit=hybrid|linalg.
  registerAsmPrinterCLOptions();
  llvm::cl::ParseCommandLineOptions(argc, argv,
                                    "hybrid-mlir compiler driver\n");
  const bool cuda = target == Device::CUDA;
  if (cuda && emit == Emit::SharedLib)
    return fail("--target=cuda --emit=shared-lib: the host code calls the runtime's CUDA "
                "functions; --emit=module makes a model that hybrid-run-module runs, "
                "--emit=obj the host object alone");
  if (cuda && weightType != WeightType::F32)
    return fail(std::string("--weight-type=") + stringifyWeightType(weightType) +
                ": the CUDA target keeps weights in f32 for now");
  if (!cuda && (emit == Emit::PTX || emit == Emit::Cubin))
    return fail("--emit=ptx and --emit=cubin compile for the GPU: add --target=cuda");
  if (cuda && !isGPUChipName(gpuChip))
    return fail("--gpu-chip: expected an NVIDIA architecture such as sm_80, sm_90 or "
                "sm_90a, got '" + gpuChip + "'");
  // The toolkit is found before any work: its libdevice is linked into the
  // kernels, its ptxas makes cubins.
  std::string cudaToolkit;
  if (cuda && emit != Emit::Hybrid && emit != Emit::Linalg) {
    std::string error;
    if (!findCUDAToolkit(cudaPath, /*needPtxas=*/emit != Emit::PTX, cudaToolkit, error))
      return fail(error);
  }
  // A checkpoint directory stands for its config.json; its weights' names
  // say which of HF's layouts the compiled function reads.
  std::vector<std::string> checkpointNames;
  std::string checkpointWeights;
  bool haveCheckpoint = false;
  if (isDirectory(inputFile)) {
    ModelDirectory directory;
    std::string error;
    if (!openModelDirectory(inputFile, directory, error))
      return fail(error);
    if (!directory.weights.empty()) {
      std::unique_ptr<Checkpoint> checkpoint = Checkpoint::open(directory.weights, error);
      if (!checkpoint)
        return fail(error);
      checkpointNames = checkpoint->names();
      checkpointWeights = directory.weights;
      haveCheckpoint = true;
    }
    inputFile = directory.config;
  }
  const bool isModel = llvm::StringRef(inputFile).ends_with(".json");
  // "-": MLIR text on stdin, as hybrid-opt and hybrid-run read it.
  if (!isModel && !llvm::StringRef(inputFile).ends_with(".mlir") && inputFile != "-")
    return fail(inputFile + ": expected a .mlir file, a model's config.json or "
                            "a checkpoint directory");
  if ((emit == Emit::Obj || emit == Emit::SharedLib || emit == Emit::Module ||
       emit == Emit::Cubin) &&
      outputFile == "-")
    return fail("--emit=obj, --emit=shared-lib, --emit=module and --emit=cubin need -o FILE");
  // The bounds hybrid-run and the runtime's newSession use, for every --emit.
  if (batchSize < 1 || batchSize > 4096)
    return fail("--batch must be in [1, 4096], got " + std::to_string(batchSize));
  if (emit == Emit::Module) {
    if (!isModel)
      return fail(inputFile + ": --emit=module compiles a model (a config.json, a "
                              "hybrid model JSON or a checkpoint directory)");
    if (maxTokens < 1 || maxTokens > (int64_t(1) << 24))
      return fail("--max-tokens must be in [1, 2^24], got " + std::to_string(maxTokens));
    ArtifactOptions options;
    options.batch = batchSize;
    options.maxTokens = maxTokens;
    options.checkpoint = checkpointWeights;
    options.verbose = true;
    options.weightType = weightType;
    if (cuda) {
      options.gpuChip = gpuChip;
      options.cudaPath = cudaToolkit;
    }
    std::string error;
    if (!compileModelArtifact(inputFile, options, outputFile, error))
      return fail(error);
    return 0;
  }

  DialectRegistry registry;
  if (cuda)
    registerGPUPipelineDialects(registry);
  else
    registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  // A failing GPU stage (ptxas, a missing toolkit) is one message, not the
  // whole kernel module printed after it.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  std::string error;
  if (inputFile != "-" && !checkRegularFile(inputFile, error))
    return fail(error);
  auto file = openInputFile(inputFile, &error);
  if (!file)
    return fail(error);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context, errorStream());
  // Imported models have no text: their diagnostics name the file and layer.
  ImportedModelDiagnostics importedDiagnostics(&context, errorStream());
  OwningOpRef<ModuleOp> module;
  if (isModel) {
    ModelInfo info;
    ModelInputShape shape{batchSize, seqLen, memoryRows};
    shape.carryState = carryState;
    shape.maxTokens = maxTokens;
    module = importModel(&context, inputFile, shape, info, error,
                         haveCheckpoint ? &checkpointNames : nullptr);
    if (!module)
      return fail(error);
  } else {
    std::string depthError;
    if (!checkIRNestingDepth(
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer(), depthError))
      return fail(inputFile + ": " + depthError);
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return fail(inputFile + " is not valid IR (see the errors above)");
    if (failed(verifyNoCallCycles(*module)))
      return fail(inputFile + " is not valid IR (see the errors above)");
  }

  // A progress line on stderr: lowering and LLVM take seconds for a model.
  unsigned numOps = 0;
  module->walk([&](Operation *) { ++numOps; });
  if (emit != Emit::Hybrid && (verbose || numOps > 200))
    errorStream() << "hybrid-compile: compiling " << inputFile << " (" << numOps
                 << " ops)...\n";
  auto start = std::chrono::steady_clock::now();
  auto report = [&](const char *what) {
    if (verbose)
      errorStream() << llvm::format(
          "hybrid-compile: %s in %.2f s\n", what,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
              .count());
  };

  // The target is data on the module: a .mlir file may pin its own, anything
  // else is compiled for this machine.
  if (emit != Emit::Hybrid && !hasCPUTarget(*module))
    setCPUTarget(*module, CPUTarget::host());
  const CPUTarget target = getCPUTarget(*module);

  PassManager pm(&context);
  addWeightTypePasses(pm, weightType);
  if (emit == Emit::Hybrid) {
    pm.addPass(createCanonicalizerPass());
  } else if (cuda) {
    GPUPipelineOptions options;
    options.lowerToLLVM = emit != Emit::Linalg;
    options.chip = gpuChip;
    options.format = emit == Emit::PTX ? "isa" : "bin";
    options.cudaPath = cudaToolkit;
    buildGPUPipeline(pm, options);
  } else {
    CPUPipelineOptions options;
    options.lowerToLLVM = emit != Emit::Linalg;
    buildCPUPipeline(pm, options);
  }
  if (failed(pm.run(*module)))
    return fail("compilation failed (see the errors above)");
  report(emit == Emit::Hybrid ? "imported" : "lowered");

  if (emit == Emit::Hybrid || emit == Emit::Linalg) {
    auto out = openOutputFile(outputFile, &error);
    if (!out)
      return fail(error);
    module->print(out->os());
    if (!finishOutput(*out, outputFile, error))
      return fail(error);
    return 0;
  }

  if (emit == Emit::PTX || emit == Emit::Cubin) {
    std::string kernels;
    if (!kernelModuleBinary(*module, kernels, error))
      return fail(inputFile + ": " + error);
    auto out = openOutputFile(outputFile, &error);
    if (!out)
      return fail(error);
    out->os() << kernels;
    if (!finishOutput(*out, outputFile, error))
      return fail(error);
    return 0;
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateForHost(*module, llvmContext, error);
  if (!llvmModule)
    return fail(error);
  if (emit == Emit::LLVM) {
    auto out = openOutputFile(outputFile, &error);
    if (!out)
      return fail(error);
    llvmModule->print(out->os(), nullptr);
    if (!finishOutput(*out, outputFile, error))
      return fail(error);
    return 0;
  }
  if (emit == Emit::Obj) {
    if (!emitHostObject(*llvmModule, target, outputFile, error))
      return fail(error);
    report("compiled to an object");
    return 0;
  }

  llvm::SmallString<128> objectPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("hybrid", "o", objectPath))
    return fail("cannot create a temporary object file: " + ec.message());
  bool ok = emitHostObject(*llvmModule, target, objectPath.str().str(), error) &&
            linkSharedLibrary(objectPath.str().str(), outputFile, error);
  llvm::sys::fs::remove(objectPath);
  if (!ok)
    return fail(error);
  report("compiled and linked");
  return 0;
}

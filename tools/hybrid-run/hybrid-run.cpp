//===- hybrid-run.cpp - Run a function written in the hybrid dialect ------===//
//
//   hybrid-run FILE.mlir --function=NAME --input=@a.npy --input=2x3xf32=1,2,...
//              [--weights=model.safetensors] [--output=@out.npy]
//              [--target=reference|cpu] [--benchmark=N]
//
// Inputs are .npy files (@path) or inline values in iree-run-module's syntax
// (SHAPExTYPE=v,v,... or a single value to splat). Each is checked against
// the function's signature; outputs go to .npy files or are printed.
//
//===----------------------------------------------------------------------===//

#include "Generate.h"
#include "../common/PrintableErrorStream.h"
#include "../common/SamplingFlags.h"
#include "../common/TensorText.h"
#include "../common/WeightTypeFlag.h"

#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Frontend/Frontend.h"
#include "hybrid/Frontend/ImportedLocations.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Runtime/Threads.h"
#include "../common/ThreadsFlag.h"
#include "hybrid/Compiler/FunctionRunner.h"
#include "hybrid/Compiler/JitModule.h"
#include "hybrid/Support/IRNestingDepth.h"
#include "hybrid/Target/GPUTarget.h"
#include "hybrid/Support/MappedFile.h"
#include "hybrid/Support/Npy.h"
#include "hybrid/Support/RandomWeights.h"
#include "hybrid/Support/Checkpoint.h"
#include "hybrid/Support/ModelDirectory.h"
#include "hybrid/Support/SafeTensors.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <sstream>
#include <random>

using namespace mlir;
using namespace mlir::hybrid;

namespace {

llvm::cl::opt<std::string> inputFile(
    llvm::cl::Positional,
    llvm::cl::desc("<input .mlir file, a model's config.json, or a Hugging "
                   "Face checkpoint directory>"),
    llvm::cl::Required);
llvm::cl::opt<int> randomWeights(
    "random-weights",
    llvm::cl::desc("Fill the weights (arguments marked hybrid.weight) from "
                   "this seed instead of --weights"),
    llvm::cl::init(-1));
llvm::cl::opt<std::string> saveWeights(
    "save-weights",
    llvm::cl::desc("Write the weights used (e.g. --random-weights) to this "
                   ".safetensors file under their names"));
llvm::cl::opt<bool> verbose(
    "verbose", llvm::cl::desc("Report import, compile and run times"),
    llvm::cl::init(false));
llvm::cl::opt<int64_t> batchSize(
    "batch", llvm::cl::desc("Model input batch when the ids are random"),
    llvm::cl::init(1));
llvm::cl::opt<int64_t> seqLen(
    "seq-len", llvm::cl::desc("Model input length when the ids are random"),
    llvm::cl::init(8));
llvm::cl::opt<std::string>
    functionName("function",
                 llvm::cl::desc("Function to run (default: the only one)"));
llvm::cl::list<std::string>
    inputs("input", llvm::cl::desc("An argument: @file.npy or SHAPExTYPE=values"));
llvm::cl::opt<std::string> weightsFile(
    "weights",
    llvm::cl::desc("A .safetensors checkpoint (or HF's "
                   "model.safetensors.index.json of shards): arguments marked "
                   "{hybrid.weight = \"NAME\"} are read from it"));
llvm::cl::list<std::string>
    outputs("output", llvm::cl::desc("Where a result goes: @file.npy (the "
                                     "results without one are printed)"));
llvm::cl::opt<Target> target(
    "target", llvm::cl::desc("Where to run"), llvm::cl::init(Target::Reference),
    llvm::cl::values(
        clEnumValN(Target::Reference, "reference",
                   "the C++ reference evaluator (the oracle)"),
        clEnumValN(Target::CPU, "cpu",
                   "compiled for this CPU through hybrid-cpu-pipeline and run "
                   "by the JIT"),
        clEnumValN(Target::CUDA, "cuda",
                   "a model compiled for this machine's NVIDIA GPU through "
                   "hybrid-gpu-pipeline (forward pass or --generate)")));
llvm::cl::opt<std::string> gpuChip(
    "gpu-chip",
    llvm::cl::desc("With --target=cuda: the GPU architecture to compile for (default: the "
                   "GPU's own, e.g. sm_90a on an H100)"));
llvm::cl::opt<std::string> cudaPath(
    "cuda-path",
    llvm::cl::desc("With --target=cuda: the CUDA toolkit whose ptxas and libdevice to use "
                   "(default: $CUDA_ROOT, $CUDA_HOME, $CUDA_PATH, then /usr/local/cuda)"));
llvm::cl::opt<WeightType> weightType("weight-type", llvm::cl::desc(kWeightTypeFlagHelp),
                                     llvm::cl::init(WeightType::F32), weightTypeValues());
llvm::cl::opt<bool> packedGemm(
    "packed-gemm",
    llvm::cl::desc("Plain runs on the cpu: linear layers through "
                   "hybrid-packed-gemm (=false: the plain loops, a benchmark "
                   "baseline)"),
    llvm::cl::init(true));
llvm::cl::opt<bool> emulateGPU(
    "emulate-gpu",
    llvm::cl::desc("With --target=cpu: compile into the kernels --target=cuda makes and run "
                   "each on this CPU as a loop over its GPU threads (the GPU mapping checked "
                   "without a GPU; slow)"),
    llvm::cl::init(false));
llvm::cl::opt<unsigned> benchmark("benchmark",
                                  llvm::cl::desc("Time N runs and report"),
                                  llvm::cl::init(0));
llvm::cl::list<std::string> expectedOutputs(
    "expected-output",
    llvm::cl::desc("Check result i against @file.npy instead of printing it"));
llvm::cl::opt<double> tolerance(
    "tolerance",
    llvm::cl::desc("For --expected-output: max |actual - expected| relative "
                   "to max(1, max |expected|)"),
    llvm::cl::init(1e-4));
llvm::cl::opt<int64_t> generateTokens(
    "generate",
    llvm::cl::desc("Greedy decoding of N tokens from the prompt in --input "
                   "(model descriptions; --output saves the generated ids)"),
    llvm::cl::init(0));
llvm::cl::opt<std::string> promptText(
    "prompt",
    llvm::cl::desc("Text to continue: encoded by the checkpoint directory's "
                   "tokenizer.json (or --tokenizer), then generation as "
                   "--generate=N (64 tokens unless given) with the new text "
                   "printed as it comes"),
    llvm::cl::value_desc("text"));
llvm::cl::opt<std::string> tokenizerFile(
    "tokenizer",
    llvm::cl::desc("With --prompt: the tokenizer.json to use (default: the "
                   "checkpoint directory's)"),
    llvm::cl::value_desc("file"));
llvm::cl::opt<bool> ignoreEos(
    "ignore-eos",
    llvm::cl::desc("With --generate: generate all N tokens even past the "
                   "end-of-sequence id of the checkpoint directory's "
                   "generation_config.json"),
    llvm::cl::init(false));
llvm::cl::opt<bool> noCache(
    "no-cache",
    llvm::cl::desc("With --generate on the cpu: compile in memory, without the "
                   "compile cache; for a forward pass: compile one function for "
                   "this length, in memory"),
    llvm::cl::init(false));
llvm::cl::opt<std::string> cacheDir(
    "cache-dir",
    llvm::cl::desc("With --generate or a forward pass on the cpu: the compile "
                   "cache's directory (default "
                   "$HYBRID_CACHE_DIR, else ~/.cache/hybrid-mlir)"),
    llvm::cl::value_desc("dir"));
llvm::cl::opt<int64_t> maxTokensOption(
    "max-tokens",
    llvm::cl::desc("With --generate, or a causal model's forward pass on the cpu: "
                   "the context the session holds (default: the next power of two "
                   ">= max(256, prompt + generated tokens) to generate, "
                   ">= max(2048, tokens) for a forward pass)"),
    llvm::cl::init(0));
llvm::cl::opt<int> randomInputs(
    "random-inputs",
    llvm::cl::desc("Fill the arguments not given with --input from this seed: "
                   "floats uniform in [-1, 1), integers in [0, 8)"),
    llvm::cl::init(-1));

int fail(const std::string &message) {
  errorStream() << "hybrid-run: error: " << message << "\n";
  return 1;
}

std::string typeToString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

/// --seq-len and --batch describe random ids: given with ids of another
/// shape, one of them is a mistake. The message, or "".
std::string shapeFlagsContradict(const HostTensor &ids) {
  if ((seqLen.getNumOccurrences() && seqLen != ids.dim(1)) ||
      (batchSize.getNumOccurrences() && batchSize != ids.dim(0)))
    return "--seq-len and --batch are for random ids; the ids given are " + ids.typeString() +
           " (leave them out, or make them agree)";
  return "";
}

HostTensor randomTensor(RankedTensorType type, std::mt19937 &rng) {
  std::vector<int64_t> shape;
  for (int64_t d : type.getShape())
    shape.push_back(ShapedType::isDynamic(d) ? 1 : d);
  if (isa<FloatType>(type.getElementType())) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> values(numElements(shape));
    for (float &v : values)
      v = dist(rng);
    return HostTensor::fromFloats(shape, std::move(values));
  }
  std::uniform_int_distribution<int64_t> dist(0, 7);
  std::vector<int64_t> values(numElements(shape));
  for (int64_t &v : values)
    v = dist(rng);
  return HostTensor::fromInts(shape, std::move(values),
                              type.getElementType().isInteger(32) ? DType::I32
                                                                  : DType::I64);
}

/// Compares `results` of @`funcName` with --expected-output, writes them
/// to --output or prints them; the process exit code.
int reportResults(const std::vector<HostTensor> &results, const std::string &funcName) {
  std::string error;
  if (expectedOutputs.size() > results.size())
    return fail("@" + funcName + " has " + std::to_string(results.size()) +
                " result(s), got " + std::to_string(expectedOutputs.size()) +
                " --expected-output");
  bool allMatch = true;
  for (size_t r = 0; r < expectedOutputs.size(); ++r) {
    const std::string &spec = expectedOutputs[r];
    HostTensor expected;
    if (spec.empty() || spec[0] != '@')
      return fail("--expected-output=" + spec + ": expected @file.npy");
    if (!readNpy(spec.substr(1), expected, error))
      return fail(error);
    std::string report;
    if (!matchesExpected(r, results[r], expected, tolerance, error, report)) {
      errorStream() << "hybrid-run: error: " << error << "\n";
      allMatch = false;
    } else {
      llvm::outs() << report << "\n";
    }
  }
  for (size_t r = 0; r < results.size(); ++r) {
    if (r < expectedOutputs.size())
      continue;
    if (r < outputs.size()) {
      const std::string &spec = outputs[r];
      if (spec.empty() || spec[0] != '@')
        return fail("--output=" + spec + ": expected @file.npy");
      if (!writeNpy(spec.substr(1), results[r], error))
        return fail(error);
      continue;
    }
    llvm::outs() << "result[" << r << "]: ";
    llvm::outs() << formatTensor(results[r]) << "\n";
  }
  return allMatch ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  if (std::string error; !takeThreadsFlag(argc, argv, error))
    return fail(error);
  SamplingFlags samplingFlags;
  if (std::string error; !takeSamplingFlags(argc, argv, samplingFlags, error))
    return fail(error);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      std::string("hybrid-mlir runner: runs a function of a .mlir file\n") + kThreadsFlagHelp +
          kSamplingFlagsHelp);

  // A checkpoint directory stands for its config.json, and for its weights
  // unless --weights or --random-weights says otherwise.
  ModelDirectory directory;
  std::string directoryPath;
  if (isDirectory(inputFile)) {
    directoryPath = inputFile;
    std::string error;
    if (!openModelDirectory(inputFile, directory, error))
      return fail(error);
    if (weightsFile.empty() && randomWeights < 0) {
      if (directory.weights.empty())
        return fail(inputFile + ": no model.safetensors or "
                                "model.safetensors.index.json (or pass "
                                "--random-weights=SEED)");
      weightsFile = directory.weights;
    }
    inputFile = directory.config;
  }
  // Token counts are bounded like a context (2^24 tokens, far past any
  // model's): an unbounded --generate sized its output buffer first and
  // aborted; an unbounded --max-tokens compiled for minutes before the
  // KV cache's size was refused.
  const int64_t maxContext = int64_t(1) << 24;
  if (generateTokens < 0 || generateTokens > maxContext)
    return fail("--generate must be a number of tokens in [1, 2^24], got " +
                std::to_string(generateTokens));
  if (maxTokensOption.getNumOccurrences() && (maxTokensOption < 1 || maxTokensOption > maxContext))
    return fail("--max-tokens must be in [1, 2^24], got " + std::to_string(maxTokensOption));
  if ((gpuChip.getNumOccurrences() || cudaPath.getNumOccurrences()) && target != Target::CUDA)
    return fail("--gpu-chip and --cuda-path are for --target=cuda");
  if (target == Target::CUDA && gpuChip.getNumOccurrences() && !isGPUChipName(gpuChip))
    return fail("--gpu-chip: expected an NVIDIA architecture such as sm_80, sm_90 or sm_90a, "
                "got '" + gpuChip + "'");
  if (emulateGPU && (target != Target::CPU || generateTokens > 0))
    return fail("--emulate-gpu runs one function compiled for the GPU on this CPU: it needs "
                "--target=cpu, and not --generate");
  if (randomWeights.getNumOccurrences() && randomWeights < 0)
    return fail("--random-weights must be a seed >= 0, got " + std::to_string(randomWeights));
  if (randomInputs.getNumOccurrences() && randomInputs < 0)
    return fail("--random-inputs must be a seed >= 0, got " + std::to_string(randomInputs));
  if (randomWeights.getNumOccurrences() && !weightsFile.empty())
    return fail("give --weights or --random-weights, not both");
  // The same bounds as inline input shapes ([0, 2^30]) and sessions.
  if (seqLen < 1 || seqLen > (int64_t(1) << 30))
    return fail("--seq-len must be in [1, 2^30], got " + std::to_string(seqLen));
  if (batchSize < 1 || batchSize > 4096)
    return fail("--batch must be in [1, 4096], got " + std::to_string(batchSize));

  // --prompt is generation with text in and out.
  const bool textMode = promptText.getNumOccurrences() > 0;
  if (tokenizerFile.getNumOccurrences() && !textMode)
    return fail("--tokenizer is for --prompt");
  if (textMode) {
    if (inputs.getNumOccurrences())
      return fail("give --prompt or --input, not both");
    if (tokenizerFile.empty() && directoryPath.empty())
      return fail("--prompt needs a tokenizer: give the checkpoint directory (with its "
                  "tokenizer.json) or --tokenizer=FILE");
    if (tokenizerFile.empty())
      tokenizerFile = directoryPath;
    if (generateTokens == 0)
      generateTokens = 64;
  }
  if (samplingFlags.any() && generateTokens == 0)
    return fail("--do-sample and the other sampling flags need --generate=N");
  if (generateTokens > 0) {
    // Flags of a plain run that generation would ignore (a check that
    // never ran passed silently).
    for (auto [given, flag] : {std::pair{expectedOutputs.getNumOccurrences() > 0, "--expected-output"},
                               {saveWeights.getNumOccurrences() > 0, "--save-weights"},
                               {benchmark.getNumOccurrences() > 0, "--benchmark"},
                               {functionName.getNumOccurrences() > 0, "--function"},
                               {randomInputs.getNumOccurrences() > 0, "--random-inputs"},
                               {seqLen.getNumOccurrences() > 0, "--seq-len"},
                               {batchSize.getNumOccurrences() > 0, "--batch"}})
      if (given)
        return fail(std::string(flag) + " is for a plain run; --generate takes the prompt "
                    "from --input (and --output=@ids.npy for the tokens)");
    GenerateOptions options;
    // HF's defaults, then the checkpoint's generation_config.json, then the
    // flags.
    applySettings(directory.sampling, options.sampling);
    if (std::string error; !samplingFlags.applyTo(options.sampling, error))
      return fail(error);
    if (!ignoreEos) {
      options.eosTokenIds = directory.eosTokenIds;
      options.padTokenId = directory.padTokenId;
    }
    options.description = inputFile;
    options.maxTokens = maxTokensOption;
    options.weightType = weightType;
    options.useCache = !noCache;
    options.cacheDir = cacheDir;
    if (!weightsFile.empty()) {
      options.weights = Weights::fromFile(weightsFile);
      options.checkpoint = weightsFile;
    }
    else if (randomWeights >= 0)
      options.weights = Weights::random(randomWeights);
    else
      return fail("--generate needs --weights=FILE.safetensors or "
                  "--random-weights=SEED");
    options.target = target;
    options.gpuChip = gpuChip;
    options.cudaPath = cudaPath;
    std::string error;
    std::unique_ptr<Tokenizer> tokenizer; // --prompt's, read once
    if (textMode) {
      if (!(tokenizer = Tokenizer::load(tokenizerFile, error)))
        return fail(error);
      std::unique_ptr<HostTensor> ids = encodePrompt(*tokenizer, promptText, error);
      if (!ids)
        return fail(error);
      options.prompt = std::move(*ids);
      options.tokenizer = tokenizer.get();
      options.promptText = promptText;
    } else if (inputs.size() != 1 || !readInput(inputs[0], options.prompt, error)) {
      return fail("--generate needs one --input with the prompt's token ids (or --prompt "
                  "with text)" + (error.empty() ? std::string() : ": " + error));
    }
    options.tokens = generateTokens;
    if (outputs.size() > 1 || (!outputs.empty() && outputs[0].rfind('@', 0) != 0))
      return fail("--generate takes one --output=@ids.npy");
    if (!outputs.empty())
      options.output = outputs[0].substr(1);
    return generate(options);
  }

  // A causal model's plain forward pass on the CPU is a fresh session's
  // prefill: the cached session functions serve every length up to the
  // context (docs/generation.md), so nothing compiles per length.
  // --no-cache and --benchmark compile one function for this length.
  // On the GPU every model runs as a session (compiled-model artifacts
  // only); one that cannot generate says so when it is compiled.
  const bool modelForward = benchmark == 0 && saveWeights.empty() && functionName.empty() &&
                            inputs.size() == 1 && outputs.size() <= 1 &&
                            llvm::StringRef(inputFile).ends_with(".json");
  if (target == Target::CUDA && !modelForward)
    return fail("--target=cuda runs a model's forward pass (one --input of token ids; "
                "no --benchmark, --function or --save-weights) or --generate; a program's "
                "kernels compile with hybrid-compile --target=cuda");
  if (target == Target::CUDA || (target == Target::CPU && !noCache && !emulateGPU &&
                                 modelForward && forwardRunsInSession(inputFile))) {
    GenerateOptions options;
    options.target = target;
    options.useCache = !noCache;
    options.gpuChip = gpuChip;
    options.cudaPath = cudaPath;
    options.description = inputFile;
    options.maxTokens = maxTokensOption;
    options.weightType = weightType;
    options.cacheDir = cacheDir;
    if (!weightsFile.empty()) {
      options.weights = Weights::fromFile(weightsFile);
      options.checkpoint = weightsFile;
    } else if (randomWeights >= 0) {
      options.weights = Weights::random(randomWeights);
    } else {
      return fail("@forward reads its weights from a checkpoint: pass "
                  "--weights=FILE.safetensors (or --random-weights=SEED)");
    }
    std::string error;
    if (!readInput(inputs[0], options.prompt, error))
      return fail("input ids: " + error);
    if (options.prompt.isFloat() || options.prompt.rank() != 2)
      return fail("input ids must be int32 or int64 [batch, seq], got " +
                  options.prompt.typeString());
    if (std::string contradiction = shapeFlagsContradict(options.prompt); !contradiction.empty())
      return fail(contradiction);
    std::vector<HostTensor> results(1);
    if (int status = forwardInSession(options, results[0]))
      return status;
    return reportResults(results, "forward");
  }

  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  std::string openError;
  if (inputFile != "-" && !checkRegularFile(inputFile, openError))
    return fail(openError);
  auto file = mlir::openInputFile(inputFile, &openError);
  if (!file)
    return fail(openError);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context, errorStream());
  // Imported models have no text: their diagnostics name the file and layer.
  ImportedModelDiagnostics importedDiagnostics(&context, errorStream());
  // The checkpoint is opened first: its tensor names tell an importer which
  // of HF's layouts the weights are in.
  std::unique_ptr<Checkpoint> checkpoint;
  std::vector<std::string> checkpointNames;
  if (!weightsFile.empty()) {
    std::string checkpointError;
    checkpoint = Checkpoint::open(weightsFile, checkpointError);
    if (!checkpoint)
      return fail(checkpointError);
    checkpointNames = checkpoint->names();
  }
  OwningOpRef<ModuleOp> module;
  ModelInfo modelInfo;
  if (llvm::StringRef(inputFile).ends_with(".json")) {
    // A model description: build @forward for the shape of the ids.
    ModelInputShape shape{batchSize, seqLen};
    if (!inputs.empty()) {
      HostTensor ids;
      std::string idsError;
      if (!readInput(inputs[0], ids, idsError))
        return fail("input ids: " + idsError);
      if (ids.isFloat() && ids.rank() == 4) {
        // Pixels [batch, channels, height, width] of an image model.
        shape.batch = ids.dim(0);
        shape.image = {ids.dim(1), ids.dim(2), ids.dim(3)};
      } else if (ids.isFloat() || ids.rank() != 2) {
        return fail("input ids must be int32 or int64 [batch, seq] (or f32 "
                    "pixels [batch, channels, height, width] for an image "
                    "model), got " + ids.typeString());
      } else if (ids.dim(0) < 1 || ids.dim(1) < 1) {
        return fail("input ids need at least one sequence of at least one token, got " +
                    ids.typeString());
      } else {
        if (std::string contradiction = shapeFlagsContradict(ids); !contradiction.empty())
          return fail(contradiction);
        shape = {ids.dim(0), ids.dim(1)};
      }
    }
    if (inputs.size() > 1) {
      // A float [batch, rows, hidden] second input is Transformer-XL memory
      // carried from the previous segment: the model is built for its rows.
      HostTensor memory;
      std::string memoryError;
      if (!readInput(inputs[1], memory, memoryError))
        return fail("input 1: " + memoryError);
      // Other float tensors are not memory: say so here (the model would be
      // built without memory and the extra --input counted as too many).
      // Integer ones are other inputs (Longformer's global attention mask).
      if (memory.isFloat() && (memory.rank() != 3 || memory.dim(1) < 1))
        return fail("input 1 (" + memory.typeString() + "): a model description takes "
                    "Transformer-XL or memory-layer memory as f32 [batch, rows, width] with "
                    "rows >= 1 after the ids");
      if (memory.isFloat())
        shape.memory = memory.dim(1);
    }
    std::string importError;
    auto importStart = std::chrono::steady_clock::now();
    module = importModel(&context, inputFile, shape, modelInfo, importError,
                         checkpoint ? &checkpointNames : nullptr);
    if (!module)
      return fail(importError);
    if (verbose)
      errorStream() << llvm::format(
          "hybrid-run: imported %s (%s, ids %lldx%lld) in %.1f ms\n",
          inputFile.c_str(), modelInfo.modelType.c_str(), (long long)shape.batch,
          (long long)shape.seq,
          std::chrono::duration<double, std::milli>(
              std::chrono::steady_clock::now() - importStart)
              .count());
    if (failed(verify(*module)))
      return fail("the model imported from " + inputFile + " does not verify");
  } else {
    std::string depthError;
    if (!checkIRNestingDepth(
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer(), depthError))
      return fail(inputFile + ": " + depthError);
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    // Parsing also verifies: invalid IR has been reported above.
    if (!module)
      return fail(inputFile + " is not valid IR (see the errors above)");
    if (failed(verifyNoCallCycles(*module)))
      return fail(inputFile + " is not valid IR (see the errors above)");
  }

  // Every value the IR makes must fit in memory.
  if (std::string sizeError; !checkResultSizes(*module, sizeError))
    return fail(sizeError);
  // Before the arguments are read: the weights it keeps in bf16 are
  // rounded to it as they are (withParameterWidth).
  if (failed(applyWeightType(*module, weightType)))
    return fail(std::string("--weight-type=") + stringifyWeightType(weightType) +
                " failed on " + inputFile + " (see the errors above)");

  // Find the function: the one named, or the only public one (private
  // functions are callees, such as outlined layers).
  std::vector<func::FuncOp> candidates;
  module->walk([&](func::FuncOp f) {
    if (!f.isExternal() && (functionName.empty() ? f.isPublic() : f.getName() == functionName))
      candidates.push_back(f);
  });
  if (candidates.size() != 1) {
    std::string names;
    module->walk([&](func::FuncOp f) { names += " @" + f.getName().str(); });
    if (candidates.empty() && !functionName.empty())
      return fail("no function named '" + functionName + "' in " + inputFile +
                  "; it has:" + names);
    if (candidates.empty())
      return fail(inputFile + " has no function with a body to run");
    return fail(inputFile + " has several functions; pick one with "
                            "--function=NAME:" + names);
  }
  func::FuncOp func = candidates.front();

  // Arguments: those marked {hybrid.weight = "NAME"} come from --weights,
  // the others from --input in order (or --random-inputs).
  const unsigned numArgs = func.getNumArguments();
  const FunctionSignatureRoles roles = readSignature(func);
  const unsigned numWeights = roles.count(ArgumentRole::Weight);
  auto weightName = [&](unsigned i) -> const std::string & {
    static const std::string none;
    return roles.arguments[i].role == ArgumentRole::Weight
               ? roles.arguments[i].name
               : none;
  };
  std::string error;
  if (!checkpoint && numWeights > 0 && randomInputs < 0 && randomWeights < 0) {
    return fail("@" + func.getName().str() + " reads " +
                std::to_string(numWeights) +
                " weight(s) from a checkpoint: pass --weights=FILE.safetensors "
                "(or --random-weights=SEED)");
  }
  const bool weightsElsewhere = checkpoint || randomWeights >= 0;
  const unsigned numPlain = numArgs - (weightsElsewhere ? numWeights : 0);
  // Inputs marked hybrid.zeros_by_default (Longformer's
  // global_attention_mask) may be left out.
  unsigned numOptional = 0;
  for (const ArgumentSignature &arg : roles.arguments)
    numOptional += arg.zerosByDefault;
  if (inputs.size() > numPlain ||
      (inputs.size() + numOptional < numPlain && randomInputs < 0))
    return fail("@" + func.getName().str() + " takes " +
                std::to_string(numPlain) + " argument(s), got " +
                std::to_string(inputs.size()) + " --input" +
                (randomInputs < 0 ? " (or fill the rest with --random-inputs=SEED)"
                                  : ""));
  std::vector<HostTensor> args;
  std::mt19937 rng(randomInputs < 0 ? 0 : randomInputs);
  // Random weights and inputs must fit in memory together, not only each.
  MemoryBudget argumentBytes;
  unsigned nextInput = 0;
  for (unsigned i = 0; i < numArgs; ++i) {
    HostTensor value;
    std::string source;
    auto type = dyn_cast<RankedTensorType>(func.getArgumentTypes()[i]);
    const std::string &weight = weightName(i);
    if (checkpoint && !weight.empty()) {
      std::vector<int64_t> shape;
      if (type && type.hasStaticShape())
        shape.assign(type.getShape().begin(), type.getShape().end());
      if (!checkpoint->read(weight, value, error, shape))
        return fail(error);
      source = weightsFile + ":" + weight;
    } else if (randomWeights >= 0 && !weight.empty()) {
      if (!type || !type.hasStaticShape())
        return fail("weight '" + weight + "' needs a static shape");
      if (!checkAllocation(std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
                           4, "weight '" + weight + "'", error, &argumentBytes))
        return fail(error);
      value = randomWeight(weight,
                           std::vector<int64_t>(type.getShape().begin(),
                                                type.getShape().end()),
                           randomWeights);
      source = "--random-weights";
    } else if (nextInput < inputs.size()) {
      const std::string &spec = inputs[nextInput++];
      if (!readInput(spec, value, error))
        return fail("argument " + std::to_string(i) + ": " + error);
      source = spec[0] == '@' ? spec.substr(1) : "--input=" + spec;
    } else if (roles.arguments[i].zerosByDefault && type &&
               type.hasStaticShape()) {
      value = HostTensor::zeros(
          std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
          DType::I64);
      source = "zeros";
      if (verbose)
        errorStream() << "hybrid-run: " << roles.arguments[i].name
                     << " not given: all zeros\n";
    } else {
      if (!type)
        return fail("argument " + std::to_string(i) +
                    ": only ranked tensor arguments are supported");
      const std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
      if (!checkAllocation(shape, 8, "argument " + std::to_string(i) + " (--random-inputs)",
                           error, &argumentBytes))
        return fail(error);
      value = randomTensor(type, rng);
      source = "--random-inputs";
    }
    if (!checkArgument(i, func.getArgumentTypes()[i], value, source, error))
      return fail(error);
    args.push_back(withParameterWidth(func.getArgumentTypes()[i], std::move(value)));
  }
  if (!saveWeights.empty()) {
    std::vector<std::pair<std::string, HostTensor>> named;
    for (unsigned i = 0; i < numArgs; ++i)
      if (!weightName(i).empty())
        named.push_back({weightName(i), args[i].dtype() == DType::BF16
                                             ? args[i].widenedFromBFloat16()
                                             : args[i]});
    if (!SafeTensors::write(saveWeights, named, error))
      return fail(error);
  }
  if (modelInfo.vocabSize > 0 && !args.empty() && !args[0].isFloat())
    for (int64_t n = 0; n < args[0].numel(); ++n) {
      int64_t id = args[0].ints()[n];
      if (id < 0 || id >= modelInfo.vocabSize)
        return fail("token id " + std::to_string(id) + " at position " +
                    std::to_string(n) + " is outside the vocabulary [0, " +
                    std::to_string(modelInfo.vocabSize) + ")");
    }
  if (!checkIndexArguments(func, args, target, error))
    return fail(error);
  if (outputs.size() > func.getNumResults())
    return fail("@" + func.getName().str() + " has " +
                std::to_string(func.getNumResults()) + " result(s), got " +
                std::to_string(outputs.size()) + " --output");

  // Compile (cpu) and run.
  std::unique_ptr<JitModule> jit;
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto seconds = [](auto from, auto to) {
    return std::chrono::duration<double>(to - from).count();
  };
  if (target == Target::CPU) {
    // Rank-0 tensors cross the C interface wrongly (the call crashed): they
    // are refused until the interface handles them.
    for (Type type : llvm::concat<const Type>(func.getArgumentTypes(), func.getResultTypes()))
      if (auto tensor = dyn_cast<RankedTensorType>(type); tensor && tensor.getRank() == 0)
        return fail("@" + func.getName().str() + " takes or returns a rank-0 tensor (" +
                    typeToString(type) + "), which --target=cpu does not support yet; "
                    "use a 1-element tensor, or --target=reference");
    // A progress line: compiling a whole model takes seconds.
    unsigned numOps = 0;
    func.walk([&](Operation *) { ++numOps; });
    if (verbose || numOps > 200)
      errorStream() << "hybrid-run: compiling @" << func.getName() << " ("
                   << numOps << " ops) for this CPU...\n";
    auto start = now();
    // Compile only the function asked for and what it calls: the others
    // need not lower.
    OwningOpRef<ModuleOp> lowered = moduleForFunction(func);
    CPUPipelineOptions pipeline;
    pipeline.packedGemm = packedGemm;
    // Weights packed once into the GEMM kernel's panels, here, as a model's
    // runtime does at load.
    pipeline.weightsInPanels = packedGemm;
    pipeline.emulateGPUKernels = emulateGPU;
    jit = JitModule::compile(*lowered, error, &pipeline);
    if (!jit)
      return fail(error);
    args = packPanelArguments(*jit->signature(func.getName()), std::move(args));
    if (benchmark > 0)
      llvm::outs() << llvm::format("compile: %.1f ms\n",
                                   1e3 * seconds(start, now()));
    else if (verbose)
      errorStream() << llvm::format("hybrid-run: compiled in %.1f ms\n",
                                   1e3 * seconds(start, now()));
  }
  std::string funcName = func.getName().str();
  auto runOnce = [&](std::vector<HostTensor> &out) {
    return jit ? jit->run(funcName, args, out, error)
               : reference::interpret(func, args, out, error);
  };
  std::vector<HostTensor> results;
  auto start = now();
  if (!runOnce(results))
    return fail(error);
  double firstSeconds = seconds(start, now());
  if (verbose)
    errorStream() << llvm::format("hybrid-run: ran @%s on %s in %.2f ms\n",
                                 funcName.c_str(),
                                 target == Target::CPU ? "cpu" : "reference",
                                 1e3 * firstSeconds);
  if (benchmark > 0) {
    // Each run is timed too: on a shared host the mean moves with the
    // neighbours, while the minimum and median are what A/B comparisons
    // can trust.
    std::vector<double> each;
    start = now();
    for (unsigned n = 0; n < benchmark; ++n) {
      auto runStart = now();
      if (!runOnce(results))
        return fail(error);
      each.push_back(seconds(runStart, now()));
    }
    double total = seconds(start, now());
    std::sort(each.begin(), each.end());
    const size_t half = each.size() / 2;
    const double median =
        each.size() % 2 ? each[half] : (each[half - 1] + each[half]) / 2;
    llvm::outs() << llvm::format(
        "benchmark: @%s on %s: %u runs, %.3f ms per run (min %.3f ms, median %.3f ms; "
        "first run %.3f ms)\n",
        funcName.c_str(), target == Target::CPU ? "cpu" : "reference",
        unsigned(benchmark), 1e3 * total / benchmark, 1e3 * each.front(),
        1e3 * median, 1e3 * firstSeconds);
  }

  return reportResults(results, funcName);
}

//===- JitModule.cpp - Compile hybrid IR for the host and run it ----------===//
//
// The JIT is LLVM's ORC LLJIT over the same optimised host module that
// hybrid-compile writes ahead of time, so JIT and AOT code are identical.
// MLIR's ExecutionEngine is not used: Debian's static build of it links the
// shared libMLIR.so, which would put two copies of MLIR in one process.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Compiler/JitModule.h"
#include "PerfMap.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Target/HostCodegen.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::hybrid;

JitModule::~JitModule() = default;

namespace {

bool recordSignature(func::FuncOp func, FunctionSignature &signature,
                     std::string &error) {
  auto convert = [&](Type type, const char *what, unsigned index,
                     TensorSignature &out) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    std::string prefix = "@" + func.getName().str() + " " + what + " " +
                         std::to_string(index) + ": ";
    if (!tensor || !tensor.hasStaticShape()) {
      error = prefix + "the cpu target needs tensors of static shape";
      return false;
    }
    Type element = tensor.getElementType();
    if (element.isF32())
      out.dtype = DType::F32;
    else if (element.isInteger(32))
      out.dtype = DType::I32;
    else if (element.isInteger(64))
      out.dtype = DType::I64;
    else if (element.isBF16() && StringRef(what) == "argument")
      out.dtype = DType::BF16; // weights kept in bfloat16 (hybrid-bf16-weights)
    else {
      error = prefix + "the cpu target supports f32, i32 and i64 elements (and bf16 "
                       "arguments)";
      return false;
    }
    out.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
    return true;
  };
  FunctionType type = func.getFunctionType();
  signature.args.resize(type.getNumInputs());
  signature.results.resize(type.getNumResults());
  for (unsigned i = 0; i < type.getNumInputs(); ++i)
    if (!convert(type.getInput(i), "argument", i, signature.args[i]))
      return false;
  for (unsigned i = 0; i < type.getNumResults(); ++i)
    if (!convert(type.getResult(i), "result", i, signature.results[i]))
      return false;
  return true;
}

} // namespace

bool mlir::hybrid::compileToObject(ModuleOp module, std::string &object,
                                   llvm::StringMap<FunctionSignature> &signatures,
                                   std::string &error,
                                   const CPUPipelineOptions *options,
                                   const GPUPipelineOptions *gpu) {
  bool ok = true;
  module.walk([&](func::FuncOp func) {
    if (!ok || !func.isPublic() || func.isExternal())
      return;
    ok = recordSignature(func, signatures[func.getName()], error);
  });
  if (!ok)
    return false;

  // Compiled for this machine unless the module pins its own target.
  if (!hasCPUTarget(module))
    setCPUTarget(module, CPUTarget::host());
  const CPUTarget target = getCPUTarget(module);
  PassManager pm(module.getContext());
  if (gpu)
    buildGPUPipeline(pm, *gpu);
  else if (options)
    buildCPUPipeline(pm, *options);
  else
    buildCPUPipeline(pm, CPUPipelineOptions());
  if (failed(pm.run(module))) {
    error = std::string("the ") + (gpu ? "gpu" : "cpu") +
            " pipeline failed (see the errors above)";
    return false;
  }
  // Weights the code reads in panels (hybrid-weights-in-panels): the
  // caller packs them at load.
  if (auto panels = module->getAttrOfType<DictionaryAttr>(signature::kWeightsInPanels))
    for (NamedAttribute entry : panels) {
      auto rows = dyn_cast<DenseI64ArrayAttr>(entry.getValue());
      auto it = signatures.find(entry.getName().getValue());
      if (!rows || it == signatures.end())
        continue;
      for (size_t i = 0; i < rows.size() && i < it->second.args.size(); ++i)
        it->second.args[i].panelRows = rows[i];
    }
  auto llvmContext = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> llvmModule =
      translateForHost(module, *llvmContext, error);
  if (!llvmModule)
    return false;
  for (auto &entry : signatures)
    if (!llvmModule->getFunction(packedEntryName(entry.getKey().str()))) {
      error = "@" + entry.getKey().str() + " has no C interface to call";
      return false;
    }
  return emitHostObjectToBuffer(*llvmModule, target, object, error);
}

std::unique_ptr<JitModule> JitModule::compile(ModuleOp module,
                                              std::string &error,
                                              const CPUPipelineOptions *options) {
  std::unique_ptr<JitModule> jit(new JitModule());
  // The object is generated here, by the same host target machine as
  // hybrid-compile --emit=obj: LLJIT only links it (its own compile layer
  // took ~10x longer for the same module).
  std::string object;
  if (!compileToObject(module, object, jit->signatures, error, options))
    return nullptr;
  auto lljit = llvm::orc::LLJITBuilder().create();
  if (!lljit) {
    error = "cannot start the JIT: " + llvm::toString(lljit.takeError());
    return nullptr;
  }
  addPerfMapIfRequested(**lljit);
  // libm (expf, ...) and libc (malloc, free, memcpy) come from this process.
  auto processSymbols =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          (*lljit)->getDataLayout().getGlobalPrefix());
  if (!processSymbols) {
    error = llvm::toString(processSymbols.takeError());
    return nullptr;
  }
  (*lljit)->getMainJITDylib().addGenerator(std::move(*processSymbols));
  // Parallel loops call libomp (__kmpc_fork_call, ...). Loaded here, not
  // left to the executable's links: a tool that never calls omp_* itself
  // may not have it.
  auto openmp = llvm::orc::DynamicLibrarySearchGenerator::Load(
      "libomp.so.5", (*lljit)->getDataLayout().getGlobalPrefix());
  if (!openmp) {
    error = "cannot load the OpenMP runtime libomp.so.5 (Debian package libomp5-19, "
            "installed with libomp-22-dev): " +
            llvm::toString(openmp.takeError());
    return nullptr;
  }
  (*lljit)->getMainJITDylib().addGenerator(std::move(*openmp));
  if (llvm::Error err = (*lljit)->addObjectFile(
          llvm::MemoryBuffer::getMemBufferCopy(object, "hybrid-jit.o"))) {
    error = "JIT linking failed: " + llvm::toString(std::move(err));
    return nullptr;
  }
  for (auto &entry : jit->signatures) {
    auto address = (*lljit)->lookup(packedEntryName(entry.getKey().str()));
    if (!address) {
      error = "JIT compilation of @" + entry.getKey().str() +
              " failed: " + llvm::toString(address.takeError());
      return nullptr;
    }
    jit->entries[entry.getKey()] = address->toPtr<PackedEntry>();
  }
  jit->engine = std::move(*lljit);
  return jit;
}

const FunctionSignature *JitModule::signature(llvm::StringRef name) const {
  auto it = signatures.find(name);
  return it == signatures.end() ? nullptr : &it->second;
}

bool JitModule::run(llvm::StringRef name, const std::vector<HostTensor> &args,
                    std::vector<HostTensor> &results, std::string &error) {
  std::vector<const HostTensor *> pointers;
  for (const HostTensor &arg : args)
    pointers.push_back(&arg);
  return run(name, pointers, results, error);
}

bool JitModule::run(llvm::StringRef name, llvm::ArrayRef<const HostTensor *> args,
                    std::vector<HostTensor> &results, std::string &error) {
  const FunctionSignature *sig = signature(name);
  auto entry = entries.find(name);
  if (!sig || entry == entries.end()) {
    error = "no compiled function named '" + name.str() + "'";
    return false;
  }
  return callPacked(entry->second, name.str(), *sig,
                    std::vector<const HostTensor *>(args.begin(), args.end()), results,
                    error);
}

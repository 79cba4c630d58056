//===- JitModule.cpp - Compile hybrid IR for the host and run it ----------===//
//
// The JIT is LLVM's ORC LLJIT over the same optimised host module that
// hybrid-compile writes ahead of time, so JIT and AOT code are identical.
// MLIR's ExecutionEngine is not used: Debian's static build of it links the
// shared libMLIR.so, which would put two copies of MLIR in one process.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Runtime/JitModule.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Target/HostCodegen.h"

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
    else {
      error = prefix + "the cpu target supports f32, i32 and i64 elements";
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

/// Adds `void _hybrid_packed_NAME(void **descriptors)`, which calls
/// `_mlir_ciface_NAME(descriptors[0], descriptors[1], ...)`: one entry
/// signature for every function, whatever its arity.
std::string addPackedEntry(llvm::Module &module, llvm::StringRef name) {
  llvm::Function *callee = module.getFunction(("_mlir_ciface_" + name).str());
  if (!callee)
    return "";
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false);
  std::string entryName = ("_hybrid_packed_" + name).str();
  auto *entry = llvm::Function::Create(type, llvm::Function::ExternalLinkage,
                                       entryName, module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < callee->arg_size(); ++i)
    args.push_back(b.CreateLoad(
        ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), i)));
  b.CreateCall(callee, args);
  b.CreateRetVoid();
  return entryName;
}

/// A memref descriptor {allocated, aligned, offset, sizes[R], strides[R]} over
/// a contiguous buffer, laid out as the C interface expects.
std::vector<int64_t> descriptor(void *data, const std::vector<int64_t> &shape) {
  std::vector<int64_t> d;
  d.push_back(reinterpret_cast<int64_t>(data));
  d.push_back(reinterpret_cast<int64_t>(data));
  d.push_back(0);
  for (int64_t s : shape)
    d.push_back(s);
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  d.insert(d.end(), strides.begin(), strides.end());
  return d;
}

/// Host storage in the element width the compiled code reads and writes.

} // namespace

std::unique_ptr<JitModule> JitModule::compile(ModuleOp module,
                                              std::string &error) {
  std::unique_ptr<JitModule> jit(new JitModule());
  bool ok = true;
  module.walk([&](func::FuncOp func) {
    if (!ok || !func.isPublic() || func.isExternal())
      return;
    ok = recordSignature(func, jit->signatures[func.getName()], error);
  });
  if (!ok)
    return nullptr;

  // Compiled for this machine unless the module pins its own target.
  if (!hasCPUTarget(module))
    setCPUTarget(module, CPUTarget::host());
  const CPUTarget target = getCPUTarget(module);
  PassManager pm(module.getContext());
  buildCPUPipeline(pm, CPUPipelineOptions());
  if (failed(pm.run(module))) {
    error = "the cpu pipeline failed (see the errors above)";
    return nullptr;
  }

  auto llvmContext = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> llvmModule =
      translateForHost(module, *llvmContext, error);
  if (!llvmModule)
    return nullptr;
  llvm::StringMap<std::string> entryNames;
  for (auto &entry : jit->signatures)
    entryNames[entry.getKey()] = addPackedEntry(*llvmModule, entry.getKey());

  auto lljit = llvm::orc::LLJITBuilder().create();
  if (!lljit) {
    error = "cannot start the JIT: " + llvm::toString(lljit.takeError());
    return nullptr;
  }
  // libm (expf, ...) and libc (malloc, free, memcpy) come from this process.
  auto processSymbols =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          (*lljit)->getDataLayout().getGlobalPrefix());
  if (!processSymbols) {
    error = llvm::toString(processSymbols.takeError());
    return nullptr;
  }
  (*lljit)->getMainJITDylib().addGenerator(std::move(*processSymbols));
  // The object is generated here, by the same host target machine as
  // hybrid-compile --emit=obj: LLJIT only links it (its own compile layer
  // took ~10x longer for the same module).
  std::string object;
  if (!emitHostObjectToBuffer(*llvmModule, target, object, error))
    return nullptr;
  if (llvm::Error err = (*lljit)->addObjectFile(
          llvm::MemoryBuffer::getMemBufferCopy(object, "hybrid-jit.o"))) {
    error = "JIT linking failed: " + llvm::toString(std::move(err));
    return nullptr;
  }
  for (auto &entry : entryNames) {
    if (entry.getValue().empty())
      continue;
    auto address = (*lljit)->lookup(entry.getValue());
    if (!address) {
      error = "JIT compilation of @" + entry.getKey().str() +
              " failed: " + llvm::toString(address.takeError());
      return nullptr;
    }
    jit->entries[entry.getKey()] = address->toPtr<void (*)(void **)>();
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
  if (args.size() != sig->args.size()) {
    error = "@" + name.str() + " takes " + std::to_string(sig->args.size()) +
            " argument(s), got " + std::to_string(args.size());
    return false;
  }
  const size_t numArgs = sig->args.size(), numResults = sig->results.size();
  // i32 tensors are held as int64 by HostTensor: only they are converted.
  std::vector<std::vector<int32_t>> narrowed(numArgs + numResults);
  std::vector<std::vector<int64_t>> descriptors;
  for (size_t i = 0; i < numArgs; ++i) {
    const TensorSignature &want = sig->args[i];
    const HostTensor &arg = *args[i];
    if (arg.shape() != want.shape || arg.isFloat() != (want.dtype == DType::F32)) {
      error = "@" + name.str() + " argument " + std::to_string(i) + ": got " +
              arg.typeString() + ", expected " +
              HostTensor::zeros(want.shape, want.dtype).typeString();
      return false;
    }
    // No copy: the compiled code never writes its arguments (they are
    // bufferization.writable = false; see EmitCInterfacePass).
    void *data;
    if (want.dtype == DType::F32) {
      data = const_cast<float *>(arg.floats());
    } else if (want.dtype == DType::I32) {
      narrowed[i].assign(arg.ints(), arg.ints() + arg.numel());
      data = narrowed[i].data();
    } else {
      data = const_cast<int64_t *>(arg.ints());
    }
    descriptors.push_back(descriptor(data, want.shape));
  }
  // Results are written straight into the tensors handed back.
  results.clear();
  for (size_t r = 0; r < numResults; ++r) {
    const TensorSignature &out = sig->results[r];
    results.push_back(HostTensor::zeros(out.shape, out.dtype));
    void *data;
    if (out.dtype == DType::F32) {
      data = results.back().floats();
    } else if (out.dtype == DType::I32) {
      narrowed[numArgs + r].assign(numElements(out.shape), 0);
      data = narrowed[numArgs + r].data();
    } else {
      data = results.back().ints();
    }
    descriptors.push_back(descriptor(data, out.shape));
  }
  std::vector<void *> pointers;
  for (auto &d : descriptors)
    pointers.push_back(d.data());
  entry->second(pointers.data());

  for (size_t r = 0; r < numResults; ++r)
    if (sig->results[r].dtype == DType::I32)
      std::copy(narrowed[numArgs + r].begin(), narrowed[numArgs + r].end(),
                results[r].ints());
  return true;
}

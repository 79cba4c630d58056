//===- HostCodegen.cpp - LLVM IR, objects and shared libraries ------------===//

#include "hybrid/Target/HostCodegen.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassInstrumentation.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <cstring>

using namespace mlir;
using namespace mlir::hybrid;

namespace {
/// A target machine for the module's CPU and features (the host's where the
/// target leaves them empty).
std::unique_ptr<llvm::TargetMachine>
targetMachine(const CPUTarget &cpuTarget, std::string &error) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  // Both empty: this machine. A CPU named without features gets the
  // features LLVM knows for that CPU, never the host's (which the named CPU
  // may lack).
  const bool useHost = cpuTarget.cpu.empty() && cpuTarget.features.empty();
  const CPUTarget host = useHost ? CPUTarget::host() : CPUTarget();
  const std::string &cpu = useHost ? host.cpu : cpuTarget.cpu;
  const std::string &features = useHost ? host.features : cpuTarget.features;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    error = "cannot create a target machine for " + triple.str();
  return machine;
}

/// Whether `function` calls a function defined in this module: an outlined
/// layer (given its weights and state) or a kernel. A model's entry is
/// such glue, with the few loops of the embedding and the final norm.
bool callsModuleFunctions(const llvm::Function &function) {
  for (const llvm::BasicBlock &block : function)
    for (const llvm::Instruction &instruction : block)
      if (const auto *call = llvm::dyn_cast<llvm::CallInst>(&instruction))
        if (const llvm::Function *callee = call->getCalledFunction())
          if (!callee->isDeclaration())
            return true;
  return false;
}

/// Inlines every function NAME that has a C-interface wrapper into the
/// wrapper, and adds the runtime's entry `void _hybrid_packed_NAME(void **)`
/// that calls the wrapper with each descriptor pointer.
/// MLIR's wrapper loads every field of its descriptors and calls NAME with
/// them as scalars: for a 32-layer model one call of over three thousand
/// arguments, whose instruction selection is superlinear (0.6 s per
/// function unoptimised, 6 s optimised). Inlined, no such call is left;
/// NAME, which nothing else calls, goes. The packed entry's call has one
/// argument per descriptor and is compiled unoptimised (FastISel).
void addEntries(llvm::Module &module) {
  llvm::LLVMContext &context = module.getContext();
  auto *ptr = llvm::PointerType::getUnqual(context);
  auto *packedType =
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr}, false);
  llvm::SmallVector<llvm::Function *> wrappers;
  for (llvm::Function &wrapper : module)
    if (!wrapper.isDeclaration() && wrapper.getReturnType()->isVoidTy() &&
        wrapper.getName().starts_with("_mlir_ciface_"))
      wrappers.push_back(&wrapper);
  for (llvm::Function *wrapper : wrappers) {
    llvm::StringRef name = wrapper->getName().drop_front(strlen("_mlir_ciface_"));
    const bool glue = [&] {
      llvm::Function *function = module.getFunction(name);
      if (!function || function->isDeclaration())
        return false;
      function->setLinkage(llvm::GlobalValue::InternalLinkage);
      function->removeFnAttr(llvm::Attribute::NoInline);
      function->addFnAttr(llvm::Attribute::AlwaysInline);
      return callsModuleFunctions(*function);
    }();
    auto *packed = llvm::Function::Create(packedType, llvm::GlobalValue::ExternalLinkage,
                                          kPackedEntryPrefix + name, module);
    packed->addFnAttr(llvm::Attribute::NoInline);
    packed->addFnAttr(llvm::Attribute::OptimizeNone);
    // A model's entry loads every field of its descriptors and passes each
    // layer its buffers: long blocks of loads, stores and calls. Zen's
    // post-RA scheduler (a tuning, not a feature) is quadratic in a block:
    // it took half the codegen time of a 32-layer Mamba. Generic tuning
    // keeps the CPU's instructions and skips that scheduler.
    if (glue)
      wrapper->addFnAttr("tune-cpu", "generic");
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", packed));
    llvm::SmallVector<llvm::Value *> descriptors;
    for (unsigned i = 0; i < wrapper->arg_size(); ++i)
      descriptors.push_back(
          b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, packed->getArg(0), i)));
    b.CreateCall(wrapper, descriptors);
    b.CreateRetVoid();
  }
}

/// Conversions from float to bfloat, which LLVM lowers to calls of
/// `__truncsfbf2` where the CPU has no instruction for them (no
/// AVX512-BF16): a libcall that Debian 12's libgcc (GCC 12) lacks, so the
/// JIT and dlopen failed to find it on such hosts. A module that converts
/// defines it itself (hidden: bound inside its own object): round to
/// nearest even, as vcvtneps2bf16 does; NaNs stay NaNs (quieted).
void defineBFloat16Truncation(llvm::Module &module) {
  bool converts = false;
  for (llvm::Function &function : module)
    for (llvm::Instruction &inst : llvm::instructions(function))
      if (auto *trunc = llvm::dyn_cast<llvm::FPTruncInst>(&inst))
        converts = converts || trunc->getDestTy()->getScalarType()->isBFloatTy();
  if (!converts || module.getFunction("__truncsfbf2"))
    return;
  llvm::LLVMContext &context = module.getContext();
  auto *type = llvm::FunctionType::get(llvm::Type::getBFloatTy(context),
                                       {llvm::Type::getFloatTy(context)}, false);
  auto *function = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage,
                                          "__truncsfbf2", module);
  function->setVisibility(llvm::GlobalValue::HiddenVisibility);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", function));
  llvm::Value *bits = b.CreateBitCast(function->getArg(0), b.getInt32Ty());
  llvm::Value *isNaN = b.CreateICmpUGT(b.CreateAnd(bits, 0x7fffffff), b.getInt32(0x7f800000));
  llvm::Value *high = b.CreateLShr(bits, 16);
  // + 0x7fff + the kept half's lowest bit: ties go to the even neighbour.
  llvm::Value *rounded =
      b.CreateLShr(b.CreateAdd(bits, b.CreateAdd(b.CreateAnd(high, 1), b.getInt32(0x7fff))), 16);
  llvm::Value *quieted = b.CreateOr(high, 0x40);
  llvm::Value *half = b.CreateTrunc(b.CreateSelect(isNaN, quieted, rounded), b.getInt16Ty());
  b.CreateRet(b.CreateBitCast(half, llvm::Type::getBFloatTy(context)));
}

/// LLVM's -O3 pipeline, as MLIR's makeOptimizingTransformer builds it,
/// less CalledValuePropagation: an interprocedural pass that finds the
/// targets of indirect calls (our code makes none), quadratic in the calls
/// and arguments of a model's entry; it took 1 of the 2 s that a 32-layer
/// Mamba function spent in the optimiser.
void optimize(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::PassInstrumentationCallbacks instrumentation;
  instrumentation.registerShouldRunOptionalPassCallback(
      [](llvm::StringRef pass, llvm::Any ir) {
        if (pass == "CalledValuePropagationPass")
          return false;
        return true;
      });
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = true;
  tuning.LoopInterleaving = true;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder builder(&machine, tuning, std::nullopt, &instrumentation);
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager sccs;
  llvm::ModuleAnalysisManager modules;
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  llvm::ModulePassManager passes =
      builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  passes.run(module, modules);
}
} // namespace

std::unique_ptr<llvm::Module>
mlir::hybrid::translateForHost(ModuleOp module, llvm::LLVMContext &context,
                               std::string &error) {
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  // Parallel loops: OpenMPIRBuilder outlines them into __kmpc_fork_call.
  registerOpenMPDialectTranslation(*module.getContext());
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context);
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return nullptr;
  }
  std::unique_ptr<llvm::TargetMachine> machine =
      targetMachine(getCPUTarget(module), error);
  if (!machine)
    return nullptr;
  addEntries(*llvmModule);
  defineBFloat16Truncation(*llvmModule);
  llvmModule->setTargetTriple(machine->getTargetTriple());
  llvmModule->setDataLayout(machine->createDataLayout());
  optimize(*llvmModule, *machine);
  return llvmModule;
}

bool mlir::hybrid::emitHostObjectToBuffer(llvm::Module &module,
                                          const CPUTarget &target,
                                          std::string &object,
                                          std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine = targetMachine(target, error);
  if (!machine)
    return false;
  llvm::SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream out(bytes);
  llvm::legacy::PassManager passes;
  if (machine->addPassesToEmitFile(passes, out, nullptr,
                                   llvm::CodeGenFileType::ObjectFile)) {
    error = "the host target cannot emit object files";
    return false;
  }
  passes.run(module);
  object.assign(bytes.begin(), bytes.end());
  return true;
}

bool mlir::hybrid::emitHostObject(llvm::Module &module,
                                  const CPUTarget &target,
                                  const std::string &path, std::string &error) {
  std::string object;
  if (!emitHostObjectToBuffer(module, target, object, error))
    return false;
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = path + ": " + ec.message();
    return false;
  }
  out << object;
  out.close();
  if (out.has_error()) {
    error = path + ": writing failed (" + out.error().message() + ")";
    out.clear_error();
    return false;
  }
  return true;
}

bool mlir::hybrid::linkSharedLibrary(const std::string &objectPath,
                                     const std::string &libraryPath,
                                     std::string &error) {
  llvm::ErrorOr<std::string> cc = llvm::sys::findProgramByName("cc");
  if (!cc) {
    error = "no C compiler driver ('cc') on PATH to link the shared library";
    return false;
  }
  // libomp: parallel loops call __kmpc_fork_call (its soname is what the
  // library records, so any libomp.so.5 serves where it is loaded).
  llvm::SmallVector<llvm::StringRef> args = {*cc,       "-shared",  "-o", libraryPath,
                                             objectPath, "-lomp", "-lm"};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*cc, args, std::nullopt, {}, 0, 0,
                                         &message);
  if (status != 0) {
    error = "linking " + libraryPath + " failed" +
            (message.empty() ? "" : ": " + message);
    return false;
  }
  return true;
}

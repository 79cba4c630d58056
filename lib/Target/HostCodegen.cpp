//===- HostCodegen.cpp - LLVM IR, objects and shared libraries ------------===//

#include "hybrid/Target/HostCodegen.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

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
  // The C-interface wrappers only unpack descriptors and make one call with
  // every field as an argument (over a thousand for a 32-layer model).
  // Optimised, instruction selection on that one block is superlinear: 6 of
  // the 9 s of a 32-layer Mamba function went there. Unoptimised
  // (FastISel) it takes 0.4 s and the call costs the same.
  for (llvm::Function &function : *llvmModule)
    if (!function.isDeclaration() && function.getName().starts_with("_mlir_ciface_")) {
      function.addFnAttr(llvm::Attribute::NoInline);
      function.addFnAttr(llvm::Attribute::OptimizeNone);
    }
  llvmModule->setTargetTriple(machine->getTargetTriple());
  llvmModule->setDataLayout(machine->createDataLayout());
  auto optimize = makeOptimizingTransformer(3, 0, machine.get());
  if (llvm::Error err = optimize(llvmModule.get())) {
    error = "LLVM optimisation failed: " + llvm::toString(std::move(err));
    return nullptr;
  }
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

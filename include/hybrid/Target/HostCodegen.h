//===- HostCodegen.h - LLVM IR, objects and shared libraries -----*- C++ -*-===//
//
// Ahead-of-time code generation for the host CPU from a module already in
// the LLVM dialect (the end of hybrid-cpu-pipeline): LLVM IR optimised at O3
// for the module's `hybrid.target` (its LLVM CPU name and features; the
// host's where it leaves them empty), a position-independent object file,
// and a shared library linked with the system C compiler driver.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TARGET_HOSTCODEGEN_H
#define HYBRID_TARGET_HOSTCODEGEN_H

#include "hybrid/Target/CPUTarget.h"
#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace mlir::hybrid {

/// The prefix of the entry `void PREFIX##NAME(void **descriptors)` that
/// translateForHost adds for every function with a C interface (the
/// runtime's packedEntryName spells the same).
inline constexpr const char *kPackedEntryPrefix = "_hybrid_packed_";

/// Translates `module` (LLVM dialect) to LLVM IR for its target, optimised
/// at O3, with a packed entry beside every C-interface wrapper. Returns null
/// with `error` set on failure.
std::unique_ptr<llvm::Module> translateForHost(ModuleOp module,
                                               llvm::LLVMContext &context,
                                               std::string &error);

/// Writes `module` as a position-independent object file for `target`
/// (the target of the MLIR module it was translated from).
bool emitHostObject(llvm::Module &module, const CPUTarget &target,
                    const std::string &path, std::string &error);

/// Compiles `module` to an object file image in memory.
bool emitHostObjectToBuffer(llvm::Module &module, const CPUTarget &target,
                            std::string &object, std::string &error);

/// Links `objectPath` into the shared library `libraryPath` with `cc`.
bool linkSharedLibrary(const std::string &objectPath,
                       const std::string &libraryPath, std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_TARGET_HOSTCODEGEN_H

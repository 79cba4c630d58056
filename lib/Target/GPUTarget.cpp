//===- GPUTarget.cpp - What the CUDA target is compiled for ---------------===//

#include "hybrid/Target/GPUTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdlib>

using namespace mlir;

bool mlir::hybrid::isGPUChipName(llvm::StringRef chip) {
  if (!chip.consume_front("sm_"))
    return false;
  if (chip.ends_with("a") || chip.ends_with("f"))
    chip = chip.drop_back();
  return (chip.size() == 2 || chip.size() == 3) && llvm::all_of(chip, llvm::isDigit) &&
         chip.front() != '0';
}

bool mlir::hybrid::kernelModuleBinary(ModuleOp module, std::string &bytes, std::string &error) {
  auto binary = module.lookupSymbol<gpu::BinaryOp>(kGPUKernelModuleName);
  if (!binary || binary.getObjects().empty()) {
    error = "the program has no kernels (nothing in it runs on the GPU)";
    return false;
  }
  auto object = cast<gpu::ObjectAttr>(binary.getObjects()[0]);
  bytes = object.getObject().str();
  return true;
}

bool mlir::hybrid::findCUDAToolkit(llvm::StringRef explicitPath, bool needPtxas,
                                   std::string &path, std::string &error) {
  auto check = [&](llvm::StringRef root, std::string &why) {
    llvm::SmallString<256> libdevice(root), ptxas(root);
    llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
    llvm::sys::path::append(ptxas, "bin", "ptxas");
    if (!llvm::sys::fs::exists(libdevice)) {
      why = "no " + libdevice.str().str();
      return false;
    }
    if (needPtxas && !llvm::sys::fs::can_execute(ptxas)) {
      why = "no " + ptxas.str().str();
      return false;
    }
    return true;
  };
  std::string why;
  if (!explicitPath.empty()) {
    if (!check(explicitPath, why)) {
      error = "--cuda-path=" + explicitPath.str() + " is not a CUDA toolkit (" + why + ")";
      return false;
    }
    path = explicitPath.str();
    return true;
  }
  llvm::SmallVector<std::string> candidates;
  for (const char *name : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (const char *value = std::getenv(name); value && *value)
      candidates.push_back(value);
  candidates.push_back("/usr/local/cuda");
  for (const std::string &candidate : candidates)
    if (check(candidate, why)) {
      path = candidate;
      return true;
    }
  error = "no CUDA toolkit found (looked in $CUDA_ROOT, $CUDA_HOME, $CUDA_PATH and "
          "/usr/local/cuda for nvvm/libdevice/libdevice.10.bc" +
          std::string(needPtxas ? " and bin/ptxas" : "") + "); install one or pass --cuda-path";
  return false;
}

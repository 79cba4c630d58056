//===- CPUTarget.cpp - What the code generator knows about a CPU ----------===//

#include "hybrid/Target/CPUTarget.h"
#include "hybrid/Support/MatrixTiles.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <unistd.h>
#include <vector>

using namespace mlir::hybrid;

CPUTarget CPUTarget::generic() {
  CPUTarget target;
  target.vectorBits = 128;
  target.cpu = "x86-64";
  return target;
}

CPUTarget CPUTarget::host() {
  CPUTarget target;
  auto features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("amx-tile") && !requestMatrixTiles())
    for (auto &feature : features)
      if (feature.first().starts_with("amx"))
        feature.second = false;
  auto has = [&](const char *name) {
    auto it = features.find(name);
    return it != features.end() && it->second;
  };
  target.vectorBits = has("avx512f") ? 512 : has("avx") ? 256 : 128;
  // sysconf answers 0 or -1 where the kernel does not say; keep the defaults.
  if (long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE); l1 > 0)
    target.l1Bytes = l1;
  if (long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE); l2 > 0)
    target.l2Bytes = l2;
  target.cpu = llvm::sys::getHostCPUName().str();
  // Sorted, so that one host always spells its target the same way.
  std::vector<std::string> names;
  for (const auto &feature : features)
    names.push_back((feature.second ? "+" : "-") + feature.first().str());
  std::sort(names.begin(), names.end());
  for (const std::string &name : names)
    target.features += (target.features.empty() ? "" : ",") + name;
  return target;
}

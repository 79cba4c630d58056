//===- ThreadsFlag.h - The tools' --threads=N -------------------*- C++ -*-===//
//
// libLLVM.so registers an llvm::cl option named "threads" of its own (no
// description; registering a second one aborts), so the tools read
// --threads=N from argv themselves before llvm::cl parses the rest.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TOOLS_THREADSFLAG_H
#define HYBRID_TOOLS_THREADSFLAG_H

#include <string>

namespace mlir::hybrid {

/// The line --help prints for the flag.
extern const char *const kThreadsFlagHelp;

/// Removes every `--threads=N` (or `-threads=N`, `--threads N`) from argv and sets the
/// thread count of compiled code from the last one (0: every core, the
/// default). False, with `error` naming the value, when N is not a count.
bool takeThreadsFlag(int &argc, char **argv, std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_TOOLS_THREADSFLAG_H

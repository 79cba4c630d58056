//===- ThreadsFlag.cpp - The tools' --threads=N ---------------------------===//

#include "ThreadsFlag.h"

#include "hybrid/Runtime/Threads.h"

#include <cstdlib>
#include <cstring>

const char *const mlir::hybrid::kThreadsFlagHelp =
    "  --threads=N   threads for the compiled code's parallel loops (default 0: "
    "OMP_NUM_THREADS, else every core; results are the same for any count)\n";

bool mlir::hybrid::takeThreadsFlag(int &argc, char **argv, std::string &error) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    const char *value = nullptr;
    if (std::strncmp(arg, "--threads=", 10) == 0) {
      value = arg + 10;
    } else if (std::strncmp(arg, "-threads=", 9) == 0) {
      value = arg + 9;
    } else if (std::strcmp(arg, "--threads") == 0 || std::strcmp(arg, "-threads") == 0) {
      // "--threads N": the value is the next argument (llvm::cl would give
      // it to libLLVM's own option, unchecked).
      if (i + 1 >= argc) {
        error = "--threads needs a value: 0 (every core) or a thread count up to " +
                std::to_string(kMaxThreads);
        return false;
      }
      value = argv[++i];
    }
    if (!value) {
      argv[kept++] = argv[i];
      continue;
    }
    char *end = nullptr;
    long count = std::strtol(value, &end, 10);
    if (*value == '\0' || *end != '\0') {
      error = std::string("--threads takes 0 (every core) or a thread count up to ") +
              std::to_string(kMaxThreads) + ", got '" + value + "'";
      return false;
    }
    if (!setThreadCount(count, error))
      return false;
  }
  argc = kept;
  argv[argc] = nullptr;
  return true;
}

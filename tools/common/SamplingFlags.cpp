//===- SamplingFlags.cpp - The tools' sampling flags ----------------------===//

#include "SamplingFlags.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

using namespace mlir::hybrid;

const char *const mlir::hybrid::kSamplingFlagsHelp =
    "\nSampling (with --generate), as HF's generate; defaults from a checkpoint\n"
    "directory's generation_config.json, else greedy:\n"
    "  --do-sample[=true|false]   sample the next token instead of the arg-max\n"
    "  --temperature=T            divide the logits by T (> 0; default 1)\n"
    "  --top-k=K                  keep the K most likely tokens (0: all; default 50)\n"
    "  --top-p=P                  keep the most likely tokens covering P (default 1)\n"
    "  --min-p=M                  drop tokens below M x the most likely's probability\n"
    "  --repetition-penalty=R     penalise ids already seen (greedy too; default 1)\n"
    "  --seed=S                   the draws' seed (default 0)\n";

namespace {
/// The value of `--NAME=VALUE` (or `-NAME=VALUE`) in `arg`, or null.
const char *valueOf(const char *arg, const char *name) {
  const char *rest = arg[0] == '-' && arg[1] == '-' ? arg + 2 : arg[0] == '-' ? arg + 1 : nullptr;
  const size_t length = std::strlen(name);
  if (!rest || std::strncmp(rest, name, length) != 0 || rest[length] != '=')
    return nullptr;
  return rest + length + 1;
}
} // namespace

bool mlir::hybrid::takeSamplingFlags(int &argc, char **argv, SamplingFlags &flags,
                                     std::string &error) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (!std::strcmp(arg, "--do-sample") || !std::strcmp(arg, "-do-sample")) {
      flags.doSample = true;
      continue;
    }
    // =false overrides a checkpoint's do_sample: true.
    if (const char *value = valueOf(arg, "do-sample")) {
      if (std::strcmp(value, "true") && std::strcmp(value, "false")) {
        error = std::string("--do-sample takes true or false, got '") + value + "'";
        return false;
      }
      flags.doSample = !std::strcmp(value, "true");
      continue;
    }
    bool matched = false;
    auto number = [&](const char *name, std::optional<double> &out) {
      const char *value = valueOf(arg, name);
      if (!value || matched)
        return true;
      matched = true;
      char *end = nullptr;
      errno = 0;
      out = std::strtod(value, &end);
      if (*value == '\0' || *end != '\0' || errno == ERANGE) {
        error = std::string("--") + name + " takes a number, got '" + value + "'";
        return false;
      }
      return true;
    };
    auto integer = [&](const char *name, auto &out) {
      const char *value = valueOf(arg, name);
      if (!value || matched)
        return true;
      matched = true;
      char *end = nullptr;
      errno = 0;
      const long long v = std::strtoll(value, &end, 10);
      if (*value == '\0' || *end != '\0' || errno == ERANGE || v < 0) {
        error = std::string("--") + name + " takes a non-negative integer, got '" + value + "'";
        return false;
      }
      out = v;
      return true;
    };
    if (!number("temperature", flags.temperature) || !number("top-p", flags.topP) ||
        !number("min-p", flags.minP) || !integer("top-k", flags.topK) ||
        !number("repetition-penalty", flags.repetitionPenalty) ||
        !integer("seed", flags.seed))
      return false;
    if (!matched)
      argv[kept++] = argv[i];
  }
  argc = kept;
  argv[argc] = nullptr;
  return true;
}

void mlir::hybrid::applySettings(const SamplingSettings &s, SamplingOptions &options) {
  if (s.doSample)
    options.doSample = *s.doSample;
  if (s.temperature)
    options.temperature = *s.temperature;
  if (s.topP)
    options.topP = *s.topP;
  if (s.minP)
    options.minP = *s.minP;
  if (s.topK)
    options.topK = *s.topK;
  if (s.repetitionPenalty)
    options.repetitionPenalty = *s.repetitionPenalty;
  if (s.seed)
    options.seed = *s.seed;
}

bool SamplingFlags::applyTo(SamplingOptions &options, std::string &error) const {
  applySettings(*this, options);
  if ((temperature || topP || minP || topK) && !options.doSample) {
    error = "--temperature, --top-k, --top-p and --min-p shape sampling: add --do-sample "
            "(greedy decoding would ignore them)";
    return false;
  }
  error = options.validate();
  return error.empty();
}

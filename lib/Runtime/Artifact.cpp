//===- Artifact.cpp - Compiled-model artifacts (.hybrid) ------------------===//

#include "hybrid/Runtime/Artifact.h"

#include "hybrid/Runtime/CudaDevice.h"
#include "hybrid/Support/MappedFile.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <dlfcn.h>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mlir::hybrid;

namespace {
constexpr const char *kMagic = "hybrid-module 1\n";
/// Artifacts whose code takes weights in panels (panel_rows) say so in
/// their first line, so that a runtime from before them, which would pass
/// rows, refuses them instead of answering wrongly.
constexpr const char *kMagicPanels = "hybrid-module 2\n";
/// And artifacts for the CUDA target (manifest "target": "cuda"), whose
/// code needs this runtime's GPU functions.
constexpr const char *kMagicCuda = "hybrid-module 3\n";

/// Code mapped from a shared object image, closed with the artifact.
class ArtifactCode : public ModelCode {
public:
  ~ArtifactCode() override {
    if (handle)
      dlclose(handle);
    if (fd >= 0)
      ::close(fd);
  }
  const ModelInterface &interface() const override { return model; }
  const ProgramFunction *function(int64_t batch, int64_t tokens, bool firstCall,
                                  std::string &error) override {
    if (const ProgramFunction *fn = model.find(batch, tokens, firstCall))
      return fn;
    const bool batchCompiled = std::any_of(
        model.functions.begin(), model.functions.end(),
        [&](const ProgramFunction &f) { return f.batch == batch; });
    error = path + ": compiled for batch " + batches() + "; it has no function for " +
            std::to_string(batch) + " x " + std::to_string(tokens) + " tokens" +
            (firstCall ? " (first call)" : "") +
            (batchCompiled ? " although its chunk sizes need one (an edited or "
                             "incomplete manifest: recompile it)"
                           : " (recompile with --batch=" + std::to_string(batch) + ")");
    return nullptr;
  }
  bool run(const ProgramFunction &fn, const std::vector<const HostTensor *> &args,
           std::vector<HostTensor> &results, std::string &error) override {
    if (!staging)
      return callPacked(entries.at(fn.symbol), fn.symbol, fn.signature, args, results,
                        error);
    // On the GPU: weights copied into managed memory once, the rest per call.
    std::vector<bool> keep;
    for (const ProgramArgument &arg : fn.arguments)
      keep.push_back(arg.kind == ArgumentKind::Weight);
    staging->beginCall(fn.symbol, std::move(keep));
    return callPacked(entries.at(fn.symbol), fn.symbol, fn.signature, args, results, error,
                      staging.get());
  }

  std::string path;
  ModelInterface model;
  void *handle = nullptr;
  int fd = -1;
  std::map<std::string, PackedEntry> entries;
  /// For a CUDA artifact: its buffers in managed memory.
  std::unique_ptr<cuda::ManagedStaging> staging;

private:
  std::string batches() const {
    std::string out;
    for (const ProgramFunction &fn : model.functions)
      if (out.find(" " + std::to_string(fn.batch) + ",") == std::string::npos)
        out += " " + std::to_string(fn.batch) + ",";
    return out.empty() ? "" : out.substr(1, out.size() - 2);
  }
};
} // namespace

/// The first x86 feature of `features` (LLVM's "+name" list) that this
/// CPU's /proc/cpuinfo flags lack, or "". Only features that compiled code
/// uses and both spell alike (or are mapped here) are checked: running code
/// for a missing one would die of SIGILL instead of an error.
static std::string missingCPUFeature(const std::string &features) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, flags;
  while (std::getline(cpuinfo, line))
    if (line.rfind("flags", 0) == 0) {
      flags = " " + line.substr(line.find(':') + 1) + " ";
      break;
    }
  if (flags.empty())
    return ""; // not Linux on x86: nothing to compare with
  static const std::map<std::string, std::string> cpuinfoNames = {
      {"avx", "avx"},           {"avx2", "avx2"},           {"fma", "fma"},
      {"f16c", "f16c"},         {"bmi", "bmi1"},            {"bmi2", "bmi2"},
      {"avx512f", "avx512f"},   {"avx512bw", "avx512bw"},   {"avx512dq", "avx512dq"},
      {"avx512vl", "avx512vl"}, {"avx512cd", "avx512cd"},   {"avx512vnni", "avx512_vnni"},
      {"avx512bf16", "avx512_bf16"}, {"avx512fp16", "avx512_fp16"},
      {"avxvnni", "avx_vnni"},  {"amx-tile", "amx_tile"},   {"sse4.1", "sse4_1"},
      {"sse4.2", "sse4_2"},     {"ssse3", "ssse3"}};
  std::istringstream list(features);
  std::string feature;
  while (std::getline(list, feature, ',')) {
    if (feature.size() < 2 || feature[0] != '+')
      continue;
    auto it = cpuinfoNames.find(feature.substr(1));
    if (it != cpuinfoNames.end() && flags.find(" " + it->second + " ") == std::string::npos)
      return feature.substr(1);
  }
  return "";
}

uint64_t mlir::hybrid::fnv1a64(const char *bytes, size_t size, uint64_t hash) {
  for (size_t i = 0; i < size; ++i)
    hash = (hash ^ static_cast<unsigned char>(bytes[i])) * 1099511628211ull;
  return hash;
}

bool mlir::hybrid::writeArtifact(const std::string &path, const ModelInterface &interface,
                                 const std::string &code, const std::string &key,
                                 std::string &error) {
  const std::string manifest = interface.toJson();
  const uint64_t checksum =
      fnv1a64(code.data(), code.size(), fnv1a64(manifest.data(), manifest.size()));
  char header[160];
  std::snprintf(header, sizeof header, "%s %zu %zu %016" PRIx64 "\n",
                key.empty() ? "-" : key.c_str(), manifest.size(), code.size(), checksum);
  // Written beside the target and renamed over it, so a reader never sees
  // half a file; a target that exists and is not a regular file (a device,
  // a pipe) would be replaced by the rename, so it is refused.
  struct stat target;
  if (stat(path.c_str(), &target) == 0 && !S_ISREG(target.st_mode)) {
    error = path + ": not a regular file (a device, pipe or directory); write the "
                   "artifact to a file";
    return false;
  }
  const std::string temporary = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      error = path + ": cannot open file for writing (" + std::strerror(errno) + ")";
      return false;
    }
    bool panels = false;
    for (const ProgramFunction &fn : interface.functions)
      for (const ProgramArgument &arg : fn.arguments)
        panels = panels || arg.panelRows > 0;
    out << (interface.target == "cuda" ? kMagicCuda : panels ? kMagicPanels : kMagic) << header
        << manifest << code;
    out.close();
    if (!out) {
      error = path + ": writing failed (" + std::strerror(errno) + ")";
      std::remove(temporary.c_str());
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = path + ": cannot write it (" + std::strerror(errno) + ")";
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

namespace {
/// An artifact's file, its header checked: the key, and where the manifest
/// and the code lie in it.
struct ArtifactBytes {
  std::unique_ptr<MappedFile> file;
  std::string key;
  const char *manifest = nullptr;
  uint64_t manifestBytes = 0, codeBytes = 0;
};

bool readArtifactBytes(const std::string &path, ArtifactBytes &out, std::string &error) {
  auto fail = [&](const std::string &why) {
    error = path + ": " + why;
    return false;
  };
  out.file = MappedFile::open(path, error);
  if (!out.file)
    return false;
  const std::string bytes(out.file->data(), out.file->size());
  const size_t magicLength = std::strlen(kMagic);
  if (bytes.compare(0, magicLength, kMagic) != 0 &&
      bytes.compare(0, magicLength, kMagicPanels) != 0 &&
      bytes.compare(0, magicLength, kMagicCuda) != 0)
    return fail("not a compiled-model artifact (it does not start with 'hybrid-module 1', "
                "'hybrid-module 2' or 'hybrid-module 3')");
  const size_t lineEnd = bytes.find('\n', magicLength);
  if (lineEnd == std::string::npos || lineEnd - magicLength > 200)
    return fail("the artifact's header line is missing or malformed");
  std::istringstream header(bytes.substr(magicLength, lineEnd - magicLength));
  std::string checksumText, manifestText, codeText;
  // Sizes are read as digits only: istream would take "-9667" as 2^64 − 9667.
  auto size = [](const std::string &text, uint64_t &value) {
    if (text.empty() || text.size() > 18 ||
        text.find_first_not_of("0123456789") != std::string::npos)
      return false;
    value = std::stoull(text);
    return true;
  };
  if (!(header >> out.key >> manifestText >> codeText >> checksumText) ||
      checksumText.size() != 16 || !size(manifestText, out.manifestBytes) ||
      !size(codeText, out.codeBytes))
    return fail("the artifact's header line is malformed");
  const uint64_t body = bytes.size() - (lineEnd + 1);
  if (out.manifestBytes > body || out.codeBytes != body - out.manifestBytes)
    return fail("the artifact is truncated or has trailing bytes (its header says " +
                std::to_string(out.manifestBytes) + " + " + std::to_string(out.codeBytes) +
                " bytes, the file holds " + std::to_string(body) + ")");
  out.manifest = out.file->data() + lineEnd + 1;
  const uint64_t checksum = fnv1a64(out.manifest + out.manifestBytes, out.codeBytes,
                                    fnv1a64(out.manifest, out.manifestBytes));
  char actual[17];
  std::snprintf(actual, sizeof actual, "%016" PRIx64, checksum);
  if (checksumText != actual)
    return fail("the artifact is corrupt (checksum " + std::string(actual) +
                ", its header says " + checksumText + ")");
  return true;
}
} // namespace

bool mlir::hybrid::readArtifactInterface(const std::string &path, ModelInterface &interface,
                                         std::string &error) {
  ArtifactBytes bytes;
  if (!readArtifactBytes(path, bytes, error))
    return false;
  std::string manifestError;
  if (!ModelInterface::fromJson(std::string(bytes.manifest, bytes.manifestBytes), interface,
                                manifestError)) {
    error = path + ": its manifest: " + manifestError;
    return false;
  }
  return true;
}

std::unique_ptr<ModelCode> mlir::hybrid::loadArtifact(const std::string &path,
                                                      std::string &error,
                                                      const std::string *expectedKey) {
  auto fail = [&](const std::string &why) -> std::unique_ptr<ModelCode> {
    error = path + ": " + why;
    return nullptr;
  };
  ArtifactBytes bytes;
  if (!readArtifactBytes(path, bytes, error))
    return nullptr;
  const std::string &key = bytes.key;
  const char *manifestStart = bytes.manifest;
  const uint64_t manifestBytes = bytes.manifestBytes, codeBytes = bytes.codeBytes;
  if (expectedKey && key != *expectedKey)
    return fail("the artifact was compiled from something else (key " + key + ", expected " +
                *expectedKey + ")");

  auto code = std::make_unique<ArtifactCode>();
  code->path = path;
  std::string manifestError;
  if (!ModelInterface::fromJson(std::string(manifestStart, manifestBytes), code->model,
                                manifestError))
    return fail("its manifest: " + manifestError);
  if (std::string missing = missingCPUFeature(code->model.features); !missing.empty())
    return fail("compiled for a CPU with " + missing + " (" + code->model.cpu +
                "), which this CPU lacks; compile it again on this machine");
  // Its kernels need the GPU before its code is loaded: the code's
  // constructor loads them onto it.
  const bool onGPU = code->model.target == "cuda";
  if (onGPU) {
    cuda::DeviceInfo device;
    std::string why;
    if (!cuda::openDevice(device, why))
      return fail("compiled for the CUDA target (" + code->model.gpuChip + "): " + why);
    if (!cuda::chipRunsOn(code->model.gpuChip, device, why))
      return fail(why);
    code->staging = std::make_unique<cuda::ManagedStaging>();
    cuda::takeLaunchError(); // not this artifact's
  }
  // The shared object goes to an anonymous memory file that dlopen maps;
  // with HYBRID_CODE_DIR set, to a named file there instead, so that a
  // profiler (perf report) can name the functions in it.
  std::string codePath;
  if (const char *dir = std::getenv("HYBRID_CODE_DIR"); dir && *dir) {
    codePath = std::string(dir) + "/hybrid-code-" + std::to_string(::getpid()) + ".so";
    code->fd = ::open(codePath.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (code->fd < 0)
      return fail("cannot write its code to " + codePath + " (HYBRID_CODE_DIR): " +
                  std::strerror(errno));
  } else {
    code->fd = memfd_create("hybrid-module", MFD_CLOEXEC);
    if (code->fd < 0)
      return fail(std::string("cannot create a memory file for its code (") +
                  std::strerror(errno) + ")");
    codePath = "/proc/self/fd/" + std::to_string(code->fd);
  }
  const char *data = manifestStart + manifestBytes;
  for (uint64_t written = 0; written < codeBytes;) {
    ssize_t n = ::write(code->fd, data + written, codeBytes - written);
    if (n <= 0)
      return fail(std::string("cannot write its code to memory (") + std::strerror(errno) +
                  ")");
    written += uint64_t(n);
  }
  code->handle = dlopen(codePath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!code->handle)
    return fail(std::string("cannot load its code: ") + dlerror());
  if (onGPU)
    if (std::string why = cuda::takeLaunchError(); !why.empty())
      return fail(why);
  for (const ProgramFunction &fn : code->model.functions) {
    void *entry = dlsym(code->handle, packedEntryName(fn.symbol).c_str());
    if (!entry)
      return fail("its code has no entry for function '" + fn.symbol + "'");
    code->entries[fn.symbol] = reinterpret_cast<PackedEntry>(entry);
  }
  return code;
}

//===- PerfMap.cpp - Name the JIT's code for perf -------------------------===//
//
// perf's map format is one line per function, "START SIZE NAME" in hex
// (https://github.com/torvalds/linux/blob/master/tools/perf/Documentation/jit-interface.txt).
// The addresses are taken after JITLink has fixed up the graph, so they are
// final; local (internal) symbols such as the GEMM kernels are in the graph
// too, where a lookup through the JIT's symbol table would miss them.
//
//===----------------------------------------------------------------------===//

#include "PerfMap.h"

#include "llvm/ExecutionEngine/JITLink/JITLink.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unistd.h>

using namespace llvm;

namespace {

class PerfMapPlugin : public orc::LinkGraphLinkingLayer::Plugin {
public:
  void modifyPassConfig(orc::MaterializationResponsibility &, jitlink::LinkGraph &,
                        jitlink::PassConfiguration &config) override {
    // A call to an internal function in the same section needs no
    // relocation, so JITLink sees nothing use the callee's symbol and
    // prunes it (the code stays: it is in the section's one block). Keep
    // the names of code.
    config.PrePrunePasses.push_back([](jitlink::LinkGraph &graph) {
      for (jitlink::Symbol *symbol : graph.defined_symbols())
        if (isCode(*symbol))
          symbol->setLive(true);
      return Error::success();
    });
    config.PostFixupPasses.push_back([this](jitlink::LinkGraph &graph) {
      write(graph);
      return Error::success();
    });
  }
  Error notifyFailed(orc::MaterializationResponsibility &) override {
    return Error::success();
  }
  Error notifyRemovingResources(orc::JITDylib &, orc::ResourceKey) override {
    return Error::success();
  }
  void notifyTransferringResources(orc::JITDylib &, orc::ResourceKey,
                                   orc::ResourceKey) override {}

private:
  /// A named function, told by its section: JITLink marks only global
  /// functions callable.
  static bool isCode(jitlink::Symbol &symbol) {
    return symbol.hasName() && symbol.getSize() > 0 &&
           (symbol.getBlock().getSection().getMemProt() & orc::MemProt::Exec) !=
               orc::MemProt::None;
  }
  void write(jitlink::LinkGraph &graph) {
    std::lock_guard<std::mutex> lock(mutex);
    std::string path = "/tmp/perf-" + std::to_string(::getpid()) + ".map";
    std::error_code ec;
    raw_fd_ostream out(path, ec, sys::fs::OF_Append | sys::fs::OF_Text);
    if (ec) {
      errs() << "warning: HYBRID_PERF_MAP: cannot write " << path << ": "
             << ec.message() << "\n";
      return;
    }
    if (!announced) {
      errs() << "perf map: " << path << "\n";
      announced = true;
    }
    for (jitlink::Symbol *symbol : graph.defined_symbols())
      if (isCode(*symbol))
        out << format_hex_no_prefix(symbol->getAddress().getValue(), 1) << " "
            << format_hex_no_prefix(symbol->getSize(), 1) << " "
            << *symbol->getName() << "\n";
  }
  std::mutex mutex;
  bool announced = false;
};

} // namespace

void mlir::hybrid::addPerfMapIfRequested(orc::LLJIT &jit) {
  const char *request = std::getenv("HYBRID_PERF_MAP");
  if (!request || !*request || std::strcmp(request, "0") == 0)
    return;
  auto *layer = dyn_cast<orc::ObjectLinkingLayer>(&jit.getObjLinkingLayer());
  if (!layer) {
    errs() << "warning: HYBRID_PERF_MAP: this JIT does not link with JITLink; no perf map\n";
    return;
  }
  layer->addPlugin(std::make_shared<PerfMapPlugin>());
}

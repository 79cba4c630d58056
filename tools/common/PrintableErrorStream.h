//===- PrintableErrorStream.h - stderr without raw untrusted bytes --------===//
//
// hybrid-run, hybrid-compile and hybrid-opt write their errors and MLIR's
// diagnostics (which quote the input's source lines) through this stream:
// everything it passes on to llvm::errs() has gone through printableText, so
// a byte that is not UTF-8 appears as \xNN.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TOOLS_PRINTABLEERRORSTREAM_H
#define HYBRID_TOOLS_PRINTABLEERRORSTREAM_H

#include "hybrid/Support/PrintableText.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::hybrid {

class PrintableErrorStream : public llvm::raw_ostream {
public:
  explicit PrintableErrorStream(llvm::raw_ostream &out) : out(out) { SetUnbuffered(); }
  ~PrintableErrorStream() override {
    out << printableText(pending);
    out.flush();
  }

private:
  void write_impl(const char *data, size_t size) override {
    pending.append(data, size);
    // A UTF-8 sequence split between two writes waits for its end.
    const size_t keep = incompleteUtf8Tail(pending);
    out << printableText(std::string_view(pending).substr(0, pending.size() - keep));
    pending.erase(0, pending.size() - keep);
    written += size;
  }
  uint64_t current_pos() const override { return written; }

  llvm::raw_ostream &out;
  std::string pending;
  uint64_t written = 0;
};

/// The tools' error stream (llvm::errs() through printableText).
inline llvm::raw_ostream &errorStream() {
  static PrintableErrorStream stream(llvm::errs());
  return stream;
}

} // namespace mlir::hybrid

#endif // HYBRID_TOOLS_PRINTABLEERRORSTREAM_H

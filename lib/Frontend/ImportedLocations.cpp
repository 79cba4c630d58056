//===- ImportedLocations.cpp - Where an imported op comes from ------------===//

#include "hybrid/Frontend/ImportedLocations.h"

#include "mlir/IR/Location.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::hybrid;

void mlir::hybrid::attachModelFile(ModuleOp module, const std::string &path) {
  StringAttr file = StringAttr::get(module.getContext(), path);
  module.walk([&](Operation *op) { op->setLoc(NameLoc::get(file, op->getLoc())); });
}

std::string mlir::hybrid::describeNamedLocation(Location loc) {
  std::string out;
  while (auto named = dyn_cast<NameLoc>(loc)) {
    out += (out.empty() ? "" : ": ") + named.getName().str();
    loc = named.getChildLoc();
  }
  return out;
}

namespace {
const char *severityText(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error: return "error";
  case DiagnosticSeverity::Warning: return "warning";
  case DiagnosticSeverity::Remark: return "remark";
  case DiagnosticSeverity::Note: return "note";
  }
  return "error";
}
} // namespace

ImportedModelDiagnostics::ImportedModelDiagnostics(MLIRContext *context,
                                                   llvm::raw_ostream &os)
    : ScopedDiagnosticHandler(context, [&os](Diagnostic &diag) -> LogicalResult {
        std::string where = describeNamedLocation(diag.getLocation());
        if (where.empty())
          return failure();
        os << where << ": " << severityText(diag.getSeverity()) << ": " << diag
                     << "\n";
        for (Diagnostic &note : diag.getNotes()) {
          std::string noteWhere = describeNamedLocation(note.getLocation());
          os << (noteWhere.empty() ? where : noteWhere) << ": note: " << note << "\n";
        }
        return success();
      }) {}

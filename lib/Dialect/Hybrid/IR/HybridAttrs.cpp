//===- HybridAttrs.cpp - Attributes of the hybrid dialect -----------------===//

#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::hybrid;

#include "hybrid/Dialect/Hybrid/IR/HybridEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.cpp.inc"

void HybridDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// MaskAttr
//===----------------------------------------------------------------------===//

MaskSpec MaskAttr::getSpec() const {
  MaskSpec spec;
  spec.kind = getKind();
  spec.window = getWindow();
  spec.localRadius = getLocalRadius();
  spec.globalTokens.assign(getGlobalTokens().begin(), getGlobalTokens().end());
  return spec;
}

LogicalResult MaskAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               MaskKind kind, int64_t window,
                               int64_t localRadius,
                               ArrayRef<int64_t> globalTokens) {
  MaskSpec spec;
  spec.kind = kind;
  spec.window = window;
  spec.localRadius = localRadius;
  spec.globalTokens.assign(globalTokens.begin(), globalTokens.end());
  if (std::optional<std::string> problem = spec.validate())
    return emitError() << "invalid mask: " << *problem;
  return success();
}

/// mask ::= `<` (`none` | `causal` (`,` `window` `=` int)?
///              | `local` `=` int (`,` `global` `=` `[` int-list `]`)?) `>`
Attribute MaskAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  SMLoc kindLoc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return {};

  MaskSpec spec;
  if (keyword == "none") {
    spec = MaskSpec::none();
  } else if (keyword == "causal") {
    int64_t window = 0;
    if (succeeded(parser.parseOptionalComma())) {
      SMLoc windowLoc = parser.getCurrentLocation();
      if (parser.parseKeyword("window") || parser.parseEqual() ||
          parser.parseInteger(window))
        return {};
      if (window < 1) {
        parser.emitError(windowLoc, "window must be >= 1, got ") << window;
        return {};
      }
    }
    spec = MaskSpec::causal(window);
  } else if (keyword == "local") {
    int64_t radius = 0;
    if (parser.parseEqual() || parser.parseInteger(radius))
      return {};
    std::vector<int64_t> globals;
    if (succeeded(parser.parseOptionalComma())) {
      if (parser.parseKeyword("global") || parser.parseEqual() ||
          parser.parseCommaSeparatedList(
              AsmParser::Delimiter::Square, [&]() -> ParseResult {
                int64_t pos = 0;
                if (parser.parseInteger(pos))
                  return failure();
                globals.push_back(pos);
                return success();
              }))
        return {};
    }
    spec = MaskSpec::local(radius, std::move(globals));
  } else {
    parser.emitError(kindLoc, "expected mask kind 'none', 'causal' or "
                              "'local', got '")
        << keyword << "'";
    return {};
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(kindLoc); },
                    parser.getContext(), spec.kind, spec.window,
                    spec.localRadius, spec.globalTokens);
}

void MaskAttr::print(AsmPrinter &printer) const {
  printer << "<" << getSpec().str() << ">";
}

//===----------------------------------------------------------------------===//
// CPUTargetAttr
//===----------------------------------------------------------------------===//

CPUTarget CPUTargetAttr::getSpec() const {
  CPUTarget target;
  target.vectorBits = getVectorBits();
  target.l1Bytes = getL1Bytes();
  target.l2Bytes = getL2Bytes();
  target.cpu = getCpu().str();
  target.features = getFeatures().str();
  return target;
}

LogicalResult
CPUTargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      int64_t vectorBits, int64_t l1Bytes, int64_t l2Bytes,
                      StringRef, StringRef) {
  if (vectorBits != 128 && vectorBits != 256 && vectorBits != 512)
    return emitError() << "vector_bits must be 128, 256 or 512, got "
                       << vectorBits;
  if (l1Bytes < 1024 || l2Bytes < l1Bytes)
    return emitError() << "cache sizes must satisfy 1024 <= l1_bytes <= "
                          "l2_bytes, got l1_bytes = "
                       << l1Bytes << ", l2_bytes = " << l2Bytes;
  return success();
}

CPUTarget mlir::hybrid::getCPUTarget(Operation *module) {
  if (auto attr = module->getAttrOfType<CPUTargetAttr>(signature::kTarget))
    return attr.getSpec();
  return CPUTarget();
}

void mlir::hybrid::setCPUTarget(Operation *module, const CPUTarget &target) {
  // A module with no hybrid op (plain arith on tensors) may not have loaded
  // the dialect that owns the attribute.
  module->getContext()->getOrLoadDialect<HybridDialect>();
  module->setAttr(signature::kTarget,
                  CPUTargetAttr::get(module->getContext(), target));
}

bool mlir::hybrid::hasCPUTarget(Operation *module) {
  return bool(module->getAttrOfType<CPUTargetAttr>(signature::kTarget));
}

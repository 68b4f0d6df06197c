#include "base/dtype.h"

#include <array>
#include <cctype>

namespace corral {
namespace {

// Sizes from ggml's type_traits (the block structs' static_asserts in ggml-common.h).
constexpr std::array kTypes = {
    DTypeTraits{DType::kF32, "f32", 1, 4, true},
    DTypeTraits{DType::kF16, "f16", 1, 2, true},
    DTypeTraits{DType::kQ4_0, "q4_0", 32, 18, true},
    DTypeTraits{DType::kQ4_1, "q4_1", 32, 20, true},
    DTypeTraits{DType::kQ5_0, "q5_0", 32, 22, true},
    DTypeTraits{DType::kQ5_1, "q5_1", 32, 24, true},
    DTypeTraits{DType::kQ8_0, "q8_0", 32, 34, true},
    DTypeTraits{DType::kQ8_1, "q8_1", 32, 36, false},
    DTypeTraits{DType::kQ2_K, "q2_K", 256, 84, true},
    DTypeTraits{DType::kQ3_K, "q3_K", 256, 110, true},
    DTypeTraits{DType::kQ4_K, "q4_K", 256, 144, true},
    DTypeTraits{DType::kQ5_K, "q5_K", 256, 176, true},
    DTypeTraits{DType::kQ6_K, "q6_K", 256, 210, true},
    DTypeTraits{DType::kQ8_K, "q8_K", 256, 292, false},
    DTypeTraits{DType::kIQ2_XXS, "iq2_xxs", 256, 66, false},
    DTypeTraits{DType::kIQ2_XS, "iq2_xs", 256, 74, false},
    DTypeTraits{DType::kIQ3_XXS, "iq3_xxs", 256, 98, false},
    DTypeTraits{DType::kIQ1_S, "iq1_s", 256, 50, false},
    DTypeTraits{DType::kIQ4_NL, "iq4_nl", 32, 18, true},
    DTypeTraits{DType::kIQ3_S, "iq3_s", 256, 110, false},
    DTypeTraits{DType::kIQ2_S, "iq2_s", 256, 82, false},
    DTypeTraits{DType::kIQ4_XS, "iq4_xs", 256, 136, false},
    DTypeTraits{DType::kI8, "i8", 1, 1, false},
    DTypeTraits{DType::kI16, "i16", 1, 2, false},
    DTypeTraits{DType::kI32, "i32", 1, 4, false},
    DTypeTraits{DType::kI64, "i64", 1, 8, false},
    DTypeTraits{DType::kF64, "f64", 1, 8, false},
    DTypeTraits{DType::kIQ1_M, "iq1_m", 256, 56, false},
    DTypeTraits{DType::kBF16, "bf16", 1, 2, true},
    DTypeTraits{DType::kTQ1_0, "tq1_0", 256, 54, false},
    DTypeTraits{DType::kTQ2_0, "tq2_0", 256, 66, false},
    DTypeTraits{DType::kMXFP4, "mxfp4", 32, 17, false},
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

std::optional<DTypeTraits> LookupDType(uint32_t id) {
  for (const auto& t : kTypes) {
    if (static_cast<uint32_t>(t.type) == id) return t;
  }
  return std::nullopt;
}

const DTypeTraits& Traits(DType type) {
  for (const auto& t : kTypes) {
    if (t.type == type) return t;
  }
  return kTypes[0];  // unreachable for a listed DType; the enum and the table are kept in step by a test
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (const auto& t : kTypes) {
    if (EqualsIgnoreCase(t.name, name)) return t.type;
  }
  return std::nullopt;
}

}  // namespace corral

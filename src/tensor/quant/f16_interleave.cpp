#include <cstring>

#include "tensor/quant/interleave_formats.h"

namespace corral::quant {

// Element e of row r at 32·e + 2·r: the 16 rows' values of one element side by side.
void InterleaveF16Group(const uint8_t* rows, int64_t k, uint8_t* group) {
  for (int r = 0; r < 16; ++r) {
    for (int64_t e = 0; e < k; ++e) std::memcpy(group + 32 * e + 2 * r, rows + (r * k + e) * 2, 2);
  }
}

void DeinterleaveF16Group(const uint8_t* group, int64_t k, uint8_t* rows) {
  for (int r = 0; r < 16; ++r) DeinterleaveF16Row(group, k, r, rows + r * k * 2);
}

void DeinterleaveF16Row(const uint8_t* group, int64_t k, int r, uint8_t* row) {
  for (int64_t e = 0; e < k; ++e) std::memcpy(row + 2 * e, group + 32 * e + 2 * r, 2);
}

}  // namespace corral::quant

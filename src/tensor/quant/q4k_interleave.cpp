#include "tensor/quant/interleave_formats.h"

#include <cstring>

#include "tensor/quant/blocks.h"

namespace corral::quant {
namespace {

constexpr size_t kQ4KGroupBlockBytes = 16 * sizeof(BlockQ4_K);
constexpr size_t kDOffset = 0;
constexpr size_t kDminOffset = 32;
constexpr size_t kScalesOffset = 64;
constexpr size_t kQuantsOffset = 256;

// The quants of one row: plain bytes 32g + 8u .. 32g + 8u + 7 (g = 0..3, u = 0..3) hold quants 64g + 8u + v
// (low nibbles) and 64g + 32 + 8u + v (high nibbles), v = 0..7; octets 8g + u and 8g + 4 + u hold the same
// quants 4 + 4 per byte. Four bytes at a time: `lo` = plain bytes +0..3, `hi` = +4..7, `a` and `b` = the
// row's 4 bytes of the two octets.

void PlainToOctets(uint32_t lo, uint32_t hi, uint32_t& a, uint32_t& b) {
  a = (lo & kLowNibbles) | (hi & kLowNibbles) << 4;
  b = (lo >> 4 & kLowNibbles) | (hi & kHighNibbles);
}

void OctetsToPlain(uint32_t a, uint32_t b, uint32_t& lo, uint32_t& hi) {
  lo = (a & kLowNibbles) | (b & kLowNibbles) << 4;
  hi = (a >> 4 & kLowNibbles) | (b & kHighNibbles);
}

}  // namespace

void InterleaveQ4KGroup(const uint8_t* rows, int64_t k, uint8_t* group) {
  const int64_t blocks = k / kQK_K;
  const size_t row_bytes = static_cast<size_t>(blocks) * sizeof(BlockQ4_K);
  for (int64_t b = 0; b < blocks; ++b) {
    uint8_t* out = group + static_cast<size_t>(b) * kQ4KGroupBlockBytes;
    for (int r = 0; r < 16; ++r) {
      BlockQ4_K blk;
      std::memcpy(&blk, rows + r * row_bytes + static_cast<size_t>(b) * sizeof(BlockQ4_K), sizeof blk);
      std::memcpy(out + kDOffset + 2 * r, &blk.d, 2);
      std::memcpy(out + kDminOffset + 2 * r, &blk.dmin, 2);
      for (int j = 0; j < kKScaleBytes; ++j) out[kScalesOffset + 16 * j + r] = blk.scales[j];
      for (int g = 0; g < 4; ++g) {
        for (int u = 0; u < 4; ++u) {
          uint32_t first, second;
          PlainToOctets(Load32(blk.qs + 32 * g + 8 * u), Load32(blk.qs + 32 * g + 8 * u + 4), first, second);
          Store32(out + kQuantsOffset + 64 * (8 * g + u) + 4 * r, first);
          Store32(out + kQuantsOffset + 64 * (8 * g + 4 + u) + 4 * r, second);
        }
      }
    }
  }
}

void DeinterleaveQ4KBlock(const uint8_t* group, int64_t b, int64_t /*blocks*/, int r, uint8_t* out) {
  const uint8_t* in = group + static_cast<size_t>(b) * kQ4KGroupBlockBytes;
  BlockQ4_K blk;
  std::memcpy(&blk.d, in + kDOffset + 2 * r, 2);
  std::memcpy(&blk.dmin, in + kDminOffset + 2 * r, 2);
  for (int j = 0; j < kKScaleBytes; ++j) blk.scales[j] = in[kScalesOffset + 16 * j + r];
  for (int g = 0; g < 4; ++g) {
    for (int u = 0; u < 4; ++u) {
      uint32_t lo, hi;
      OctetsToPlain(Load32(in + kQuantsOffset + 64 * (8 * g + u) + 4 * r),
                    Load32(in + kQuantsOffset + 64 * (8 * g + 4 + u) + 4 * r), lo, hi);
      Store32(blk.qs + 32 * g + 8 * u, lo);
      Store32(blk.qs + 32 * g + 8 * u + 4, hi);
    }
  }
  std::memcpy(out, &blk, sizeof blk);
}

}  // namespace corral::quant

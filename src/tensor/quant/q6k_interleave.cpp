#include <cstring>

#include "tensor/quant/blocks.h"
#include "tensor/quant/interleave_formats.h"

namespace corral::quant {
namespace {

// Octet t and the high bits of pair p in a group-block's chunks.
constexpr size_t OctetOffset(int t) {
  return 192 * (t / 2) + 64 * (t % 2);
}
constexpr size_t HighOffset(int p) {
  return 192 * p + 128;
}

constexpr uint32_t kTwo = 0x03030303u;

// Plain Q6_K: element e = 128h + 32s + l (s = 0..3, l = 0..31) has bits 0-3 in ql[64h + 32(s % 2) + l]
// (the low nibble for s < 2) and bits 4-5 in qh[32h + l] at bit 2s. Octet t = 16h + 4s + u holds elements
// 8t..8t+7, i.e. l = 8u..8u+7 of (h, s); high-bit pair p = 8h + 2s + v holds l = 16v..16v+15, byte i's
// two-bit fields from quads quad = 0..3 (l = 16v + 4·quad + i). Four bytes at a time throughout.

// Octet t's 4 bytes of one row from its plain block.
uint32_t OctetOf(const BlockQ6_K& blk, int t) {
  const int h = t / 16, s = (t / 4) % 4, u = t % 4;
  const uint8_t* src = blk.ql + 64 * h + 32 * (s % 2) + 8 * u;
  const int shift = s < 2 ? 0 : 4;
  return (Load32(src) >> shift & kLowNibbles) | (Load32(src + 4) >> shift & kLowNibbles) << 4;
}

// Pair p's 4 bytes of high bits of one row from its plain block.
uint32_t HighOf(const BlockQ6_K& blk, int p) {
  const int h = p / 8, s = (p / 2) % 4, v = p % 2;
  uint32_t bits = 0;
  for (int quad = 0; quad < 4; ++quad) {
    bits |= (Load32(blk.qh + 32 * h + 16 * v + 4 * quad) >> (2 * s) & kTwo) << (2 * quad);
  }
  return bits;
}

// The inverses: OR the octet's / pair's bits into a plain block whose ql and qh start zeroed.
void AddOctet(BlockQ6_K& blk, int t, uint32_t octet) {
  const int h = t / 16, s = (t / 4) % 4, u = t % 4;
  uint8_t* dst = blk.ql + 64 * h + 32 * (s % 2) + 8 * u;
  const int shift = s < 2 ? 0 : 4;
  Store32(dst, Load32(dst) | (octet & kLowNibbles) << shift);
  Store32(dst + 4, Load32(dst + 4) | (octet >> 4 & kLowNibbles) << shift);
}

void AddHigh(BlockQ6_K& blk, int p, uint32_t bits) {
  const int h = p / 8, s = (p / 2) % 4, v = p % 2;
  for (int quad = 0; quad < 4; ++quad) {
    uint8_t* dst = blk.qh + 32 * h + 16 * v + 4 * quad;
    Store32(dst, Load32(dst) | (bits >> (2 * quad) & kTwo) << (2 * s));
  }
}

}  // namespace

void InterleaveQ6KGroup(const uint8_t* rows, int64_t k, uint8_t* group) {
  const int64_t blocks = k / kQK_K;
  const size_t row_bytes = static_cast<size_t>(blocks) * sizeof(BlockQ6_K);
  for (int64_t b = 0; b < blocks; ++b) {
    const Q6KParts parts = Q6KInterleavedParts(b, blocks);
    uint8_t* chunks = group + parts.chunks;
    for (int r = 0; r < 16; ++r) {
      BlockQ6_K blk;
      std::memcpy(&blk, rows + r * row_bytes + static_cast<size_t>(b) * sizeof(BlockQ6_K), sizeof blk);
      std::memcpy(group + parts.d + 2 * r, &blk.d, 2);
      for (int j = 0; j < 16; ++j) std::memcpy(group + parts.scales + 16 * j + r, &blk.scales[j], 1);
      for (int t = 0; t < 32; ++t) Store32(chunks + OctetOffset(t) + 4 * r, OctetOf(blk, t));
      for (int p = 0; p < 16; ++p) Store32(chunks + HighOffset(p) + 4 * r, HighOf(blk, p));
    }
  }
}

void DeinterleaveQ6KBlock(const uint8_t* group, int64_t b, int64_t blocks, int r, uint8_t* out) {
  const Q6KParts parts = Q6KInterleavedParts(b, blocks);
  const uint8_t* chunks = group + parts.chunks;
  BlockQ6_K blk;
  std::memset(blk.ql, 0, sizeof blk.ql);
  std::memset(blk.qh, 0, sizeof blk.qh);
  std::memcpy(&blk.d, group + parts.d + 2 * r, 2);
  for (int j = 0; j < 16; ++j) std::memcpy(&blk.scales[j], group + parts.scales + 16 * j + r, 1);
  for (int t = 0; t < 32; ++t) AddOctet(blk, t, Load32(chunks + OctetOffset(t) + 4 * r));
  for (int p = 0; p < 16; ++p) AddHigh(blk, p, Load32(chunks + HighOffset(p) + 4 * r));
  std::memcpy(out, &blk, sizeof blk);
}

}  // namespace corral::quant

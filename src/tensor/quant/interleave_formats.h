// The per-type rearrangements behind interleave.h (its layouts), one file each.
#pragma once

#include <cstdint>

#include <cstddef>
#include <cstring>

namespace corral::quant {

inline uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline void Store32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, 4);
}

// Nibble masks, four bytes at a time.
inline constexpr uint32_t kLowNibbles = 0x0F0F0F0Fu;
inline constexpr uint32_t kHighNibbles = 0xF0F0F0F0u;

// Where the parts of Q6_K group-block b (of `blocks` per row) lie, in bytes from the group's start
// (interleave.h: the layout). Group-blocks are 3360 bytes, 32 more than a multiple of 64, so they go in
// pairs of 6720 = 105 · 64 bytes — [d, d′][scales, chunks][scales′, chunks′] — keeping every 64-byte load
// of the kernel inside one cache line; an unpaired last block is [d][scales][chunks].
struct Q6KParts {
  size_t d, scales, chunks;
};

inline Q6KParts Q6KInterleavedParts(int64_t b, int64_t blocks) {
  const size_t unit = static_cast<size_t>(b / 2) * 2 * 3360;
  if (b % 2 == 0 && b + 1 == blocks) return {unit, unit + 32, unit + 288};
  const size_t half = b % 2 == 0 ? 0 : 3328;
  return {unit + 32 * static_cast<size_t>(b % 2), unit + 64 + half, unit + 320 + half};
}

// 16 plain rows of k elements → one interleaved group.
void InterleaveQ4KGroup(const uint8_t* rows, int64_t k, uint8_t* group);
void InterleaveQ6KGroup(const uint8_t* rows, int64_t k, uint8_t* group);

// F16: 16 rows ↔ one group, and row r alone (2k bytes at `row`).
void InterleaveF16Group(const uint8_t* rows, int64_t k, uint8_t* group);
void DeinterleaveF16Group(const uint8_t* group, int64_t k, uint8_t* rows);
void DeinterleaveF16Row(const uint8_t* group, int64_t k, int r, uint8_t* row);

// Row r's plain block b (144 / 210 bytes at `out`) from the group at `group` of `blocks` blocks per row.
void DeinterleaveQ4KBlock(const uint8_t* group, int64_t b, int64_t blocks, int r, uint8_t* out);
void DeinterleaveQ6KBlock(const uint8_t* group, int64_t b, int64_t blocks, int r, uint8_t* out);

}  // namespace corral::quant

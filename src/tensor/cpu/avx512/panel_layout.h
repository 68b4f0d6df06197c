// The memory layouts of the panel GEMM's operands (panel_matmul.h), shared by its two multipliers: the
// vpdpbusd register tile (panel_matmul.cpp) and the AMX tiles (cpu/amx/amx_panel.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/cpu/avx512/panel_matmul.h"

namespace corral::cpu::panel {

// Weight rows decoded together.
inline constexpr int kPanelRows = 16;

// A packed block of kBlockRows activation rows: [k/4 quads][16 rows] of 4 bytes, then d_a[steps][16] and
// d_a·Σa[steps][16] as floats.
inline size_t BlockBytes(int64_t k, int64_t steps) {
  return static_cast<size_t>(k) * kBlockRows + static_cast<size_t>(steps) * kBlockRows * 2 * sizeof(float);
}

struct PackedBlock {
  const uint8_t* quads;
  const float* d;
  const float* dsum;

  PackedBlock(const uint8_t* block, int64_t k, int64_t steps)
      : quads(block),
        d(reinterpret_cast<const float*>(block + k * kBlockRows)),
        dsum(d + steps * kBlockRows) {}
};

// One thread's workspace: the decoded panel q[16][pitch] (pitch = k + 64: rows k apart would share L1
// sets when k is a multiple of 4096, and the AMX tiles load all 16 rows of a K-step at once), then scale,
// offset (float) and corr (int32) [16][steps], then float accumulators [blocks][16][16] for the AMX path.
inline int64_t PanelPitch(int64_t k) {
  return k + 64;
}

inline size_t PanelBytes(int64_t k, int64_t steps) {
  const size_t bytes = kPanelRows * (static_cast<size_t>(PanelPitch(k)) +
                                     static_cast<size_t>(steps) * (2 * sizeof(float) + sizeof(int32_t)));
  return (bytes + 63) / 64 * 64;
}

struct Panel {
  int8_t* q;
  float* scale;
  float* offset;
  int32_t* corr;
  float* acc;  // 64-byte aligned
  int64_t k;
  int64_t pitch;
  int64_t steps;

  Panel(uint8_t* workspace, int64_t k_, int64_t steps_) : k(k_), pitch(PanelPitch(k_)), steps(steps_) {
    q = reinterpret_cast<int8_t*>(workspace);
    scale = reinterpret_cast<float*>(workspace + kPanelRows * pitch);
    offset = scale + kPanelRows * steps;
    corr = reinterpret_cast<int32_t*>(offset + kPanelRows * steps);
    acc = reinterpret_cast<float*>(workspace + PanelBytes(k, steps));
  }
};

}  // namespace corral::cpu::panel

// The memory layouts of the panel GEMM's operands (panel_matmul.h), shared by its two multipliers: the
// vpdpbusd register tile (panel_matmul.cpp) and the AMX tiles (cpu/amx/amx_panel.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/cpu/avx512/panel_matmul.h"
#include "tensor/quant/interleave.h"

namespace corral::cpu::panel {

// Weight rows decoded together.
inline constexpr int kPanelRows = 16;

// A packed block of kBlockRows activation rows: [k/4 quads][16 rows] of 4 bytes, then d_a[steps][16] and
// d_a·Σa[steps][16] as floats, then Σa[steps][16] as int32 (Q8_K only: the K-quants' integer minimum
// terms; zero otherwise).
inline size_t BlockBytes(int64_t k, int64_t steps) {
  return static_cast<size_t>(k) * kBlockRows + static_cast<size_t>(steps) * kBlockRows * 3 * sizeof(float);
}

struct PackedBlock {
  const uint8_t* quads;
  const float* d;
  const float* dsum;
  const int32_t* isum;

  PackedBlock(const uint8_t* block, int64_t k, int64_t steps)
      : quads(block),
        d(reinterpret_cast<const float*>(block + k * kBlockRows)),
        dsum(d + steps * kBlockRows),
        isum(reinterpret_cast<const int32_t*>(dsum + steps * kBlockRows)) {}
};

// Per weight row, what a decoder writes: the signed quants q[k]; per K-step a float scale and offset
// (value = scale·q + offset) and the integer correction −128·Σq that takes the shifted activations' +128
// back out. The K-quants also give their exact integer form, so that products sum in integers over a whole
// super-block as llama.cpp's own kernels do (value = d·iscale·q − dmin·imin per step, d and dmin per
// super-block); the other formats leave those untouched.
struct DecodedRow {
  int8_t* q;
  float* scale;
  float* offset;
  int32_t* corr;
  int32_t* iscale;
  int32_t* imin;
  float* d;     // per super-block
  float* dmin;  // per super-block
};

using DecodeRowFn = void (*)(const uint8_t* row, int64_t k, const DecodedRow& out);

// One thread's workspace: the decoded panel q[16][pitch] (pitch = k + 64: rows k apart would share L1
// sets when k is a multiple of 4096, and the AMX tiles load all 16 rows of a K-step at once), then
// scale, offset (float), corr, iscale, imin (int32) [16][steps], d, dmin (float) [16][super-blocks], then
// float accumulators [blocks][16][16] for the AMX path.
inline int64_t PanelPitch(int64_t k) {
  return k + 64;
}

inline int64_t SuperBlocks(int64_t k) {
  return (k + 255) / 256;
}

inline size_t PanelBytes(int64_t k, int64_t steps) {
  const size_t per_row = static_cast<size_t>(PanelPitch(k)) +
                         static_cast<size_t>(steps) * 5 * sizeof(int32_t) +
                         static_cast<size_t>(SuperBlocks(k)) * 2 * sizeof(float);
  return (kPanelRows * per_row + 63) / 64 * 64;
}

struct Panel {
  int8_t* q;
  float* scale;
  float* offset;
  int32_t* corr;
  int32_t* iscale;
  int32_t* imin;
  float* d;
  float* dmin;
  float* acc;  // 64-byte aligned
  int64_t k;
  int64_t pitch;
  int64_t steps;
  int64_t super_blocks;

  Panel(uint8_t* workspace, int64_t k_, int64_t steps_)
      : k(k_), pitch(PanelPitch(k_)), steps(steps_), super_blocks(SuperBlocks(k_)) {
    q = reinterpret_cast<int8_t*>(workspace);
    scale = reinterpret_cast<float*>(workspace + kPanelRows * pitch);
    offset = scale + kPanelRows * steps;
    corr = reinterpret_cast<int32_t*>(offset + kPanelRows * steps);
    iscale = corr + kPanelRows * steps;
    imin = iscale + kPanelRows * steps;
    d = reinterpret_cast<float*>(imin + kPanelRows * steps);
    dmin = d + kPanelRows * super_blocks;
    acc = reinterpret_cast<float*>(workspace + PanelBytes(k, steps));
  }

  DecodedRow Row(int r) const {
    return {q + r * pitch,      scale + r * steps, offset + r * steps,   corr + r * steps,
            iscale + r * steps, imin + r * steps,  d + r * super_blocks, dmin + r * super_blocks};
  }
};

// The rows of weight rows r0..r0+15 for a decoder: in place, or restored from their interleaved group into
// `plain` (16 plain rows) first.
inline const uint8_t* PanelSourceRows(const Problem& p, int64_t r0, uint8_t* plain) {
  const uint8_t* rows = p.w + r0 * p.w_stride;
  if (!p.interleaved) return rows;
  quant::DeinterleaveGroup(p.type, rows, p.k, plain);
  return plain;
}

}  // namespace corral::cpu::panel

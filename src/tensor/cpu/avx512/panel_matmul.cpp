#include "tensor/cpu/avx512/panel_matmul.h"

#include <algorithm>

#include "tensor/cpu/avx512/panel_decode.h"
#include "tensor/cpu/avx512/panel_layout.h"

namespace corral::cpu::panel {
namespace {

// Weight rows of the register tile: 4 rows × 2 blocks of 16 activation rows hold 8 int32 and 8 float
// accumulators, with room for the two activation vectors and the scales.
constexpr int kTileRows = 4;

inline __m512i Broadcast4(const int8_t* p) {
  return _mm512_set1_epi32(static_cast<int32_t>(x86::LoadU32(p)));
}

// Σ q·a of K-step s for the tile's rows and both blocks, in int32: corr starts each sum so it ends exact.
template <int kStep>
inline void StepSums(const int8_t* const (&wq)[kTileRows], const int32_t* const (&corr)[kTileRows],
                     const uint8_t* const (&blocks)[2], int64_t s, __m512i (&sum)[kTileRows][2]) {
  constexpr int kQuads = kStep / 4;
#pragma GCC unroll 4
  for (int r = 0; r < kTileRows; ++r) sum[r][0] = sum[r][1] = _mm512_set1_epi32(corr[r][s]);
  const uint8_t* a0 = blocks[0] + s * kQuads * 64;
  const uint8_t* a1 = blocks[1] + s * kQuads * 64;
#pragma GCC unroll 8
  for (int quad = 0; quad < kQuads; ++quad) {
    const __m512i v0 = _mm512_load_si512(a0 + 64 * quad);
    const __m512i v1 = _mm512_load_si512(a1 + 64 * quad);
#pragma GCC unroll 4
    for (int r = 0; r < kTileRows; ++r) {
      const __m512i w = Broadcast4(wq[r] + s * kStep + 4 * quad);
      sum[r][0] = _mm512_dpbusd_epi32(sum[r][0], v0, w);
      sum[r][1] = _mm512_dpbusd_epi32(sum[r][1], v1, w);
    }
  }
}

// y[r][c] (16 activation rows of block c, weight row r of the tile) over all K-steps. The weight bytes are
// signed, the packed activations unsigned (a + 128); corr starts each step's sum so it ends as Σ q·a.
template <int kStep, bool kOffset>
void Tile(const Panel& panel, int row0, const uint8_t* block0, const uint8_t* block1,
          __m512 (&y)[kTileRows][2]) {
  const int64_t k = panel.k, steps = panel.steps;
  const uint8_t* blocks[2] = {block0, block1};
  const float* d[2];
  const float* dsum[2];
  for (int c = 0; c < 2; ++c) {
    const PackedBlock block(blocks[c], k, steps);
    d[c] = block.d;
    dsum[c] = block.dsum;
  }
  const int8_t* wq[kTileRows];
  const float* scale[kTileRows];
  const float* offset[kTileRows];
  const int32_t* corr[kTileRows];
  for (int r = 0; r < kTileRows; ++r) {
    wq[r] = panel.q + (row0 + r) * panel.pitch;
    scale[r] = panel.scale + (row0 + r) * steps;
    offset[r] = panel.offset + (row0 + r) * steps;
    corr[r] = panel.corr + (row0 + r) * steps;
    for (int c = 0; c < 2; ++c) y[r][c] = _mm512_setzero_ps();
  }
  for (int64_t s = 0; s < steps; ++s) {
    __m512i sum[kTileRows][2];
    StepSums<kStep>(wq, corr, blocks, s, sum);
    const __m512 da[2] = {_mm512_load_ps(d[0] + s * kBlockRows), _mm512_load_ps(d[1] + s * kBlockRows)};
#pragma GCC unroll 4
    for (int r = 0; r < kTileRows; ++r) {
      const __m512 sc = _mm512_set1_ps(scale[r][s]);
      for (int c = 0; c < 2; ++c)
        y[r][c] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(sum[r][c]), da[c]), sc, y[r][c]);
    }
    if constexpr (kOffset) {
      const __m512 ds[2] = {_mm512_load_ps(dsum[0] + s * kBlockRows),
                            _mm512_load_ps(dsum[1] + s * kBlockRows)};
#pragma GCC unroll 4
      for (int r = 0; r < kTileRows; ++r) {
        const __m512 off = _mm512_set1_ps(offset[r][s]);
        for (int c = 0; c < 2; ++c) y[r][c] = _mm512_fmadd_ps(ds[c], off, y[r][c]);
      }
    }
  }
}

// The K-quants (Q8_K activations, one d_a per super-block): as Tile, but each step's integer sum is
// scaled by the weight's integer sub-block scale and summed in int32 over the super-block, and the minimum
// term Σ imin·Σa too, so each super-block costs one conversion to float, as in llama.cpp's own kernels
// (rather than one per K-step, whose extra roundings moved this path's results visibly further from
// llama.cpp's on a 16-layer model: bench/README.md "Session 6").
template <int kStep, bool kMin>
void TileK(const Panel& panel, int row0, const uint8_t* block0, const uint8_t* block1,
           __m512 (&y)[kTileRows][2]) {
  constexpr int kStepsPerSuper = 256 / kStep;
  const int64_t k = panel.k, steps = panel.steps;
  const uint8_t* blocks[2] = {block0, block1};
  const float* d[2];
  const int32_t* isum[2];
  for (int c = 0; c < 2; ++c) {
    const PackedBlock block(blocks[c], k, steps);
    d[c] = block.d;
    isum[c] = block.isum;
  }
  const int8_t* wq[kTileRows];
  const int32_t* corr[kTileRows];
  const int32_t* iscale[kTileRows];
  const int32_t* imin[kTileRows];
  const float* dw[kTileRows];
  const float* dminw[kTileRows];
  for (int r = 0; r < kTileRows; ++r) {
    wq[r] = panel.q + (row0 + r) * panel.pitch;
    corr[r] = panel.corr + (row0 + r) * steps;
    iscale[r] = panel.iscale + (row0 + r) * steps;
    imin[r] = panel.imin + (row0 + r) * steps;
    dw[r] = panel.d + (row0 + r) * panel.super_blocks;
    dminw[r] = panel.dmin + (row0 + r) * panel.super_blocks;
    for (int c = 0; c < 2; ++c) y[r][c] = _mm512_setzero_ps();
  }
  for (int64_t sb = 0; sb < panel.super_blocks; ++sb) {
    __m512i total[kTileRows][2];
#pragma GCC unroll 4
    for (int r = 0; r < kTileRows; ++r) total[r][0] = total[r][1] = _mm512_setzero_si512();
    for (int64_t s = sb * kStepsPerSuper; s < (sb + 1) * kStepsPerSuper; ++s) {
      __m512i sum[kTileRows][2];
      StepSums<kStep>(wq, corr, blocks, s, sum);
#pragma GCC unroll 4
      for (int r = 0; r < kTileRows; ++r) {
        const __m512i sc = _mm512_set1_epi32(iscale[r][s]);
        for (int c = 0; c < 2; ++c)
          total[r][c] = _mm512_add_epi32(total[r][c], _mm512_mullo_epi32(sum[r][c], sc));
      }
    }
    const int64_t first = sb * kStepsPerSuper;
    const __m512 da[2] = {_mm512_load_ps(d[0] + first * kBlockRows),
                          _mm512_load_ps(d[1] + first * kBlockRows)};
#pragma GCC unroll 4
    for (int r = 0; r < kTileRows; ++r) {
      const __m512 dr = _mm512_set1_ps(dw[r][sb]);
      for (int c = 0; c < 2; ++c)
        y[r][c] = _mm512_fmadd_ps(_mm512_mul_ps(da[c], dr), _mm512_cvtepi32_ps(total[r][c]), y[r][c]);
    }
    if constexpr (kMin) {
      __m512i mins[kTileRows][2];
#pragma GCC unroll 4
      for (int r = 0; r < kTileRows; ++r) mins[r][0] = mins[r][1] = _mm512_setzero_si512();
      for (int64_t s = first; s < first + kStepsPerSuper; ++s) {
        const __m512i sums[2] = {_mm512_load_si512(isum[0] + s * kBlockRows),
                                 _mm512_load_si512(isum[1] + s * kBlockRows)};
#pragma GCC unroll 4
        for (int r = 0; r < kTileRows; ++r) {
          const __m512i m = _mm512_set1_epi32(imin[r][s]);
          for (int c = 0; c < 2; ++c)
            mins[r][c] = _mm512_add_epi32(mins[r][c], _mm512_mullo_epi32(sums[c], m));
        }
      }
#pragma GCC unroll 4
      for (int r = 0; r < kTileRows; ++r) {
        const __m512 dr = _mm512_set1_ps(-dminw[r][sb]);
        for (int c = 0; c < 2; ++c)
          y[r][c] = _mm512_fmadd_ps(_mm512_mul_ps(da[c], dr), _mm512_cvtepi32_ps(mins[r][c]), y[r][c]);
      }
    }
  }
}

template <int kStep, bool kOffset>
void Run(const PanelFormat& f, const Problem& p, int64_t begin, int64_t end, uint8_t* workspace) {
  const int64_t steps = p.k / kStep;
  const Panel panel(workspace, p.k, steps);
  uint8_t* plain = workspace + PlainRowsOffset(p.type, p.m, p.k);
  const size_t block_bytes = BlockBytes(p.k, steps);
  const int64_t pairs = PackedBlocks(p.m) / kTileBlocks;
  const __m512i lane_offsets =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(static_cast<int32_t>(p.y_stride)));
  for (int64_t r0 = begin; r0 < end; r0 += kPanelRows) {
    const int n_rows = static_cast<int>(end - r0 < kPanelRows ? end - r0 : kPanelRows);
    const uint8_t* rows = PanelSourceRows(p, r0, plain);
    for (int r = 0; r < n_rows; ++r) {
      f.decode(rows + r * p.w_stride, p.k, panel.Row(r));
    }
    for (int64_t pair = 0; pair < pairs; ++pair) {
      const uint8_t* block0 = p.packed + (kTileBlocks * pair) * block_bytes;
      for (int row0 = 0; row0 < n_rows; row0 += kTileRows) {
        __m512 y[kTileRows][2];
        if (f.activation == DType::kQ8_K) {
          TileK<kStep, kOffset>(panel, row0, block0, block0 + block_bytes, y);
        } else {
          Tile<kStep, kOffset>(panel, row0, block0, block0 + block_bytes, y);
        }
        // Rows of the tile past n_rows hold whatever an earlier panel decoded there: never stored.
        for (int r = 0; r < kTileRows && row0 + r < n_rows; ++r) {
          for (int c = 0; c < 2; ++c) {
            const int64_t first = (kTileBlocks * pair + c) * kBlockRows;
            if (first >= p.m) break;
            const int64_t valid = p.m - first < kBlockRows ? p.m - first : kBlockRows;
            const __mmask16 mask = static_cast<__mmask16>((1u << valid) - 1);
            _mm512_mask_i32scatter_ps(p.y + first * p.y_stride + r0 + row0 + r, mask, lane_offsets, y[r][c],
                                      4);
          }
        }
      }
    }
  }
}

}  // namespace

bool Supports(DType weight) {
  return FindPanelFormat(weight) != nullptr;
}

int64_t PackedBlocks(int64_t m) {
  const int64_t tile = kBlockRows * kTileBlocks;
  return (m + tile - 1) / tile * kTileBlocks;
}

size_t PackedBytes(DType weight, int64_t m, int64_t k) {
  const PanelFormat& f = *FindPanelFormat(weight);
  return static_cast<size_t>(PackedBlocks(m)) * BlockBytes(k, k / f.step);
}

size_t PlainRowsOffset(DType weight, int64_t m, int64_t k) {
  const PanelFormat& f = *FindPanelFormat(weight);
  const size_t accumulators = static_cast<size_t>(PackedBlocks(m)) * kBlockRows * kPanelRows * sizeof(float);
  return (PanelBytes(k, k / f.step) + accumulators + 63) / 64 * 64;
}

size_t WorkspaceBytes(DType weight, int64_t m, int64_t k) {
  return PlainRowsOffset(weight, m, k) + (weight == DType::kQ4_K || weight == DType::kQ6_K ? kPanelRows * RowBytes(weight, k) : 0);
}

void PackActivations(DType weight, const uint8_t* act, size_t act_stride, int64_t m, int64_t k,
                     int64_t block_begin, int64_t block_end, bool shifted, uint8_t* packed) {
  const PanelFormat& f = *FindPanelFormat(weight);
  const int64_t steps = k / f.step;
  const size_t block_bytes = BlockBytes(k, steps);
  const uint32_t shift = shifted ? 0x80808080u : 0u;  // + 128 in each byte, as an unsigned byte
  for (int64_t b = block_begin; b < block_end; ++b) {
    uint8_t* block = packed + b * block_bytes;
    uint32_t* quads = reinterpret_cast<uint32_t*>(block);
    float* d = reinterpret_cast<float*>(block + k * kBlockRows);
    float* dsum = d + steps * kBlockRows;
    int32_t* isum = reinterpret_cast<int32_t*>(dsum + steps * kBlockRows);
    if (f.activation != DType::kQ8_K) std::fill(isum, isum + steps * kBlockRows, 0);
    for (int lane = 0; lane < kBlockRows; ++lane) {
      const int64_t i = b * kBlockRows + lane;
      if (i >= m) {
        for (int64_t quad = 0; quad < k / 4; ++quad) quads[quad * kBlockRows + lane] = shift;
        for (int64_t s = 0; s < steps; ++s) {
          d[s * kBlockRows + lane] = dsum[s * kBlockRows + lane] = 0;
          isum[s * kBlockRows + lane] = 0;
        }
        continue;
      }
      const uint8_t* row = act + i * act_stride;
      if (f.activation == DType::kQ8_0) {
        const auto* blocks = reinterpret_cast<const quant::BlockQ8_0*>(row);
        for (int64_t s = 0; s < k / quant::kQK; ++s) {
          for (int j = 0; j < quant::kQK / 4; ++j)
            quads[(s * 8 + j) * kBlockRows + lane] = x86::LoadU32(blocks[s].qs + 4 * j) ^ shift;
          d[s * kBlockRows + lane] = F16(blocks[s].d);
          dsum[s * kBlockRows + lane] = 0;  // no Q8_0-paired format has an offset
        }
        continue;
      }
      if (f.activation == DType::kQ8_1) {
        const auto* blocks = reinterpret_cast<const quant::BlockQ8_1*>(row);
        for (int64_t s = 0; s < k / quant::kQK; ++s) {
          for (int j = 0; j < quant::kQK / 4; ++j)
            quads[(s * 8 + j) * kBlockRows + lane] = x86::LoadU32(blocks[s].qs + 4 * j) ^ shift;
          d[s * kBlockRows + lane] = F16(blocks[s].d);
          dsum[s * kBlockRows + lane] = F16(blocks[s].s);
        }
        continue;
      }
      const auto* blocks = reinterpret_cast<const quant::BlockQ8_K*>(row);
      const int groups_per_step = f.step / 16;
      for (int64_t sb = 0; sb < k / quant::kQK_K; ++sb) {
        for (int j = 0; j < quant::kQK_K / 4; ++j)
          quads[(sb * 64 + j) * kBlockRows + lane] = x86::LoadU32(blocks[sb].qs + 4 * j) ^ shift;
        for (int t = 0; t < quant::kQK_K / f.step; ++t) {
          int sum = 0;
          for (int g = 0; g < groups_per_step; ++g) sum += blocks[sb].bsums[t * groups_per_step + g];
          const int64_t s = sb * (quant::kQK_K / f.step) + t;
          d[s * kBlockRows + lane] = blocks[sb].d;
          dsum[s * kBlockRows + lane] = blocks[sb].d * static_cast<float>(sum);
          isum[s * kBlockRows + lane] = sum;
        }
      }
    }
  }
}

void MultiplyRows(const Problem& p, int64_t begin, int64_t end, uint8_t* workspace) {
  const PanelFormat& f = *FindPanelFormat(p.type);
  if (f.step == 16) {
    f.offset ? Run<16, true>(f, p, begin, end, workspace) : Run<16, false>(f, p, begin, end, workspace);
  } else {
    f.offset ? Run<32, true>(f, p, begin, end, workspace) : Run<32, false>(f, p, begin, end, workspace);
  }
}

}  // namespace corral::cpu::panel

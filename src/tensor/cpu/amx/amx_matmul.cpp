// The AMX multiplier of the panel GEMM: the operands of cpu/avx512/panel_matmul.h (activations packed once
// per product, signed; weights decoded once per 16 rows with the vectorised panel decoders), multiplied 16
// weight rows × 16 activation rows × one K-step per TDPBSSD.
//
// (The first AMX path here decoded each weight K-step in plain code into a B tile and ran one tile at a
// time, zero → multiply → store → scale, in series: on a Sapphire Rapids-class Xeon it ran 2.5-6× slower
// than the vpdpbusd panels, bench/README.md "Session 6".)
//
// The tiles are laid out so that neither operand is rearranged again: tile A is 16 decoded weight rows, a
// K-step of each, straight from the panel (row pitch k + 64); tile B is the K-step's quads of a packed
// activation block, which already are AMX's 4-byte-interleaved layout (one 64-byte row per 4 k). C[n][i] is
// then Σ q_w·q_a for weight row n and activation row i, converted to float per K-step and accumulated in
// 16 registers, one per weight row, over the 16 activation rows:
//   acc[n] += float(C[n]) · (scale_w[n] · d_a) + offset_w[n] · d_a·Σa.
// Two sets of tiles alternate between even and odd K-steps and each step's C goes out through its own
// buffer, so the tile unit multiplies step s + 1 while the vector units scale step s.
#include "tensor/cpu/amx/amx_matmul.h"

// GCC 12 flags its own AVX-512 intrinsics as (maybe-)uninitialized once inlined (see cpu/x86/x86_simd.h).
#pragma GCC diagnostic push
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstring>

#include "tensor/cpu/avx512/panel_decode.h"
#include "tensor/cpu/avx512/panel_layout.h"

namespace corral::cpu::amx {
namespace {

using panel::kBlockRows;
using panel::kPanelRows;
using panel::PackedBlock;
using panel::Panel;
using panel::PanelFormat;

static_assert(kPanelRows == 16 && kBlockRows == 16, "one AMX tile of rows each");

// The 64-byte operand of LDTILECFG: palette 1, then bytes per row and rows of tiles 0-15.
struct alignas(64) TileConfig {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};
static_assert(sizeof(TileConfig) == 64);

// Tiles t = 0, 1 (even and odd K-steps): A = tile t (16 weight rows × step bytes), B = tile 2 + t (step/4
// rows × 64 bytes), C = tile 4 + t (16 × 16 int32). The step is 32 in use (Supports).
struct AmxTiles {
  explicit AmxTiles(int step) {
    TileConfig cfg{};
    cfg.palette_id = 1;
    for (int t = 0; t < 2; ++t) {
      cfg.rows[t] = 16;
      cfg.colsb[t] = static_cast<uint16_t>(step);
      cfg.rows[2 + t] = static_cast<uint8_t>(step / 4);
      cfg.colsb[2 + t] = 64;
      cfg.rows[4 + t] = 16;
      cfg.colsb[4 + t] = 64;
    }
    _tile_loadconfig(&cfg);
  }
  ~AmxTiles() { _tile_release(); }
  AmxTiles(const AmxTiles&) = delete;
  AmxTiles& operator=(const AmxTiles&) = delete;

  // c[n][i] = Σ_k a[n · a_stride + k] · b[(k / 4) · 64 + 4i + k % 4], k < step. (GCC's tile intrinsics
  // paste their tile numbers into the assembly text: literals only.)
  template <int t>
  void Step(const int8_t* a, size_t a_stride, const uint8_t* b, int32_t* c) {
    const long stride = static_cast<long>(a_stride);
    if constexpr (t == 0) {
      _tile_zero(4);
      _tile_loadd(0, a, stride);
      _tile_loadd(2, b, 64);
      _tile_dpbssd(4, 0, 2);
      _tile_stored(4, c, 64);
    } else {
      _tile_zero(5);
      _tile_loadd(1, a, stride);
      _tile_loadd(3, b, 64);
      _tile_dpbssd(5, 1, 3);
      _tile_stored(5, c, 64);
    }
  }
};

// TDPBSSD's definition in plain code, for tests on CPUs without AMX.
struct EmulatedTiles {
  explicit EmulatedTiles(int s) : step(s) {}
  int step;

  template <int t>
  void Step(const int8_t* a, size_t a_stride, const uint8_t* b, int32_t* c) {
    for (int n = 0; n < 16; ++n) {
      for (int i = 0; i < 16; ++i) {
        int32_t sum = 0;
        for (int k = 0; k < step; ++k)
          sum += a[n * a_stride + k] * static_cast<int8_t>(b[(k / 4) * 64 + 4 * i + k % 4]);
        c[n * 16 + i] = sum;
      }
    }
  }
};

// acc[n] += float(c[n]) · scale[n] · d_a + offset[n] · d_a·Σa for K-step s.
template <bool kOffset>
inline void Scale(const int32_t* c, const Panel& panel, int64_t s, const PackedBlock& block,
                  __m512 (&acc)[16]) {
  const __m512 da = _mm512_load_ps(block.d + s * kBlockRows);
  [[maybe_unused]] __m512 dsum;
  if constexpr (kOffset) dsum = _mm512_load_ps(block.dsum + s * kBlockRows);
  const float* scale = panel.scale + s;
  const float* offset = panel.offset + s;
#pragma GCC unroll 16
  for (int n = 0; n < 16; ++n) {
    const __m512 prod = _mm512_cvtepi32_ps(_mm512_load_si512(c + 16 * n));
    acc[n] = _mm512_fmadd_ps(prod, _mm512_mul_ps(da, _mm512_set1_ps(scale[n * panel.steps])), acc[n]);
    if constexpr (kOffset) acc[n] = _mm512_fmadd_ps(dsum, _mm512_set1_ps(offset[n * panel.steps]), acc[n]);
  }
}

// K-steps per chunk: a chunk of the panel (16 rows × 512 elements, 8 KiB) stays in L1 while every
// activation block passes it; each block's chunk (8 KiB) comes from L2 once per panel.
constexpr int64_t kChunkElements = 512;

template <typename Tiles, int kStep, bool kOffset>
void Run(const PanelFormat& f, const panel::Problem& p, int64_t begin, int64_t end, uint8_t* workspace) {
  const int64_t k = p.k, steps = k / kStep;
  const Panel panel(workspace, k, steps);
  uint8_t* plain = workspace + panel::PlainRowsOffset(p.type, p.m, k);
  const size_t a_stride = static_cast<size_t>(panel.pitch);
  const size_t block_bytes = panel::BlockBytes(k, steps);
  const int64_t blocks = (p.m + kBlockRows - 1) / kBlockRows;
  const __m512i lane_offsets =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(static_cast<int32_t>(p.y_stride)));
  Tiles tiles(kStep);
  alignas(64) int32_t c[2][16 * 16];
  constexpr int64_t kChunkSteps = kChunkElements / kStep;
  for (int64_t r0 = begin; r0 < end; r0 += kPanelRows) {
    const int n_rows = static_cast<int>(end - r0 < kPanelRows ? end - r0 : kPanelRows);
    const uint8_t* rows = panel::PanelSourceRows(p, r0, plain);
    for (int r = 0; r < n_rows; ++r) {
      f.decode(rows + r * p.w_stride, k, panel.Row(r));
    }
    // Rows past n_rows keep an earlier panel's (or unset) bytes: their sums are computed and never stored.
    for (int64_t s0 = 0; s0 < steps; s0 += kChunkSteps) {
      const int64_t s1 = s0 + kChunkSteps < steps ? s0 + kChunkSteps : steps;
      for (int64_t b = 0; b < blocks; ++b) {
        const uint8_t* packed = p.packed + b * block_bytes;
        const PackedBlock block(packed, k, steps);
        float* saved = panel.acc + b * 16 * 16;
        __m512 acc[16];
        for (int n = 0; n < 16; ++n) acc[n] = s0 == 0 ? _mm512_setzero_ps() : _mm512_load_ps(saved + 16 * n);
        auto a_at = [&](int64_t s) { return panel.q + s * kStep; };
        auto b_at = [&](int64_t s) { return packed + s * kStep * kBlockRows; };
        tiles.template Step<0>(a_at(s0), a_stride, b_at(s0), c[0]);
        for (int64_t s = s0; s < s1; s += 2) {
          if (s + 1 < s1) tiles.template Step<1>(a_at(s + 1), a_stride, b_at(s + 1), c[1]);
          Scale<kOffset>(c[0], panel, s, block, acc);
          if (s + 1 < s1) {
            if (s + 2 < s1) tiles.template Step<0>(a_at(s + 2), a_stride, b_at(s + 2), c[0]);
            Scale<kOffset>(c[1], panel, s + 1, block, acc);
          }
        }
        if (s1 < steps) {
          for (int n = 0; n < 16; ++n) _mm512_store_ps(saved + 16 * n, acc[n]);
          continue;
        }
        // acc[n] holds output column r0 + n for the block's 16 activation rows.
        const int64_t first = b * kBlockRows;
        const int64_t valid = p.m - first < kBlockRows ? p.m - first : kBlockRows;
        const __mmask16 mask = static_cast<__mmask16>((1u << valid) - 1);
        for (int n = 0; n < n_rows; ++n)
          _mm512_mask_i32scatter_ps(p.y + first * p.y_stride + r0 + n, mask, lane_offsets, acc[n], 4);
      }
    }
  }
}

template <typename Tiles>
void Dispatch(const panel::Problem& p, int64_t begin, int64_t end, uint8_t* workspace) {
  const PanelFormat& f = *panel::FindPanelFormat(p.type);
  f.offset ? Run<Tiles, 32, true>(f, p, begin, end, workspace)
           : Run<Tiles, 32, false>(f, p, begin, end, workspace);
}

}  // namespace

// The formats with 16-element K-steps (Q6_K, Q3_K, Q2_K) stay on the vpdpbusd panels: with twice the
// per-step scaling per product the tiles ran no faster there (Q6_K m = 512: 0.96-1.03×, m = 64: 0.83×;
// bench/README.md "Session 6").
bool Supports(DType weight) {
  const PanelFormat* f = panel::FindPanelFormat(weight);
  return f != nullptr && f->step == 32;
}

void MultiplyRows(const panel::Problem& p, int64_t begin, int64_t end, uint8_t* workspace) {
  Dispatch<AmxTiles>(p, begin, end, workspace);
}

void MultiplyRowsEmulated(const panel::Problem& p, int64_t begin, int64_t end, uint8_t* workspace) {
  Dispatch<EmulatedTiles>(p, begin, end, workspace);
}

}  // namespace corral::cpu::amx

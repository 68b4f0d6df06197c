#include "tensor/cpu/amx/amx_matmul.h"

// GCC 12 flags its own AVX-512 intrinsics as (maybe-)uninitialized once inlined (see cpu/x86/x86_simd.h).
#pragma GCC diagnostic push
#if !defined(__clang__)  // clang has no -Wmaybe-uninitialized and would reject the pragma under -Werror
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstring>

#include "tensor/cpu/amx/amx_formats.h"

namespace corral::cpu::amx {
namespace {

constexpr int kTile = 16;        // rows of every tile, and weight rows (output columns) per panel
constexpr int kChunkSteps = 16;  // K-steps decoded per panel: 16 × 32 = 512 elements

// The 64-byte operand of LDTILECFG: palette 1, then bytes per row and rows of tiles 0-15.
struct alignas(64) TileConfig {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};
static_assert(sizeof(TileConfig) == 64);

// Tile 0: C, 16 × 16 int32. Tile 1: A, 16 activation rows × step int8. Tile 2: B, step/4 rows × 64 bytes
// (16 weight rows × 4 consecutive k each).
struct AmxTiles {
  explicit AmxTiles(int step) {
    TileConfig cfg{};
    cfg.palette_id = 1;
    cfg.rows[0] = kTile;
    cfg.colsb[0] = kTile * 4;
    cfg.rows[1] = kTile;
    cfg.colsb[1] = static_cast<uint16_t>(step);
    cfg.rows[2] = static_cast<uint8_t>(step / 4);
    cfg.colsb[2] = kTile * 4;
    _tile_loadconfig(&cfg);
  }
  ~AmxTiles() { _tile_release(); }
  AmxTiles(const AmxTiles&) = delete;
  AmxTiles& operator=(const AmxTiles&) = delete;

  void Zero() { _tile_zero(0); }
  void LoadA(const void* p, size_t stride) { _tile_loadd(1, p, static_cast<long>(stride)); }
  void LoadB(const void* p) { _tile_loadd(2, p, kTile * 4); }
  void Multiply() { _tile_dpbssd(0, 1, 2); }
  void StoreC(int32_t* p) { _tile_stored(0, p, kTile * 4); }
};

// The same operations on arrays: TDPBSSD's definition, C[m][n] += Σ_k A[m][k] · B[k/4][4n + k%4], all int8
// signed, int32 accumulation.
struct EmulatedTiles {
  explicit EmulatedTiles(int s) : step(s) {}
  int step;
  int8_t a[kTile][64];
  int8_t b[kTile][64];
  int32_t c[kTile][kTile];

  void Zero() { std::memset(c, 0, sizeof(c)); }
  void LoadA(const void* p, size_t stride) {
    for (int r = 0; r < kTile; ++r) std::memcpy(a[r], static_cast<const uint8_t*>(p) + r * stride, step);
  }
  void LoadB(const void* p) {
    for (int r = 0; r < step / 4; ++r)
      std::memcpy(b[r], static_cast<const uint8_t*>(p) + r * kTile * 4, kTile * 4);
  }
  void Multiply() {
    for (int m = 0; m < kTile; ++m) {
      for (int n = 0; n < kTile; ++n) {
        int32_t sum = 0;
        for (int k = 0; k < step; ++k) sum += a[m][k] * b[k / 4][4 * n + k % 4];
        c[m][n] += sum;
      }
    }
  }
  void StoreC(int32_t* p) { std::memcpy(p, c, sizeof(c)); }
};

// Weight rows [n0, n0 + 16) × K-steps [s0, s0 + ns), decoded and laid out as B tiles (rows past the matrix
// are zero), with each row's scale and offset per step.
struct Panel {
  alignas(64) int8_t b[kChunkSteps][32 / 4][kTile * 4];
  alignas(64) float scale[kChunkSteps][kTile];
  alignas(64) float offset[kChunkSteps][kTile];

  void Decode(const WeightFormat& f, const Problem& p, int64_t n0, int n_rows, int64_t s0, int ns) {
    int8_t q[32];
    for (int si = 0; si < ns; ++si) {
      for (int n = 0; n < kTile; ++n) {
        float sc = 0, off = 0;
        if (n < n_rows) {
          f.decode(p.w + (n0 + n) * p.w_stride, s0 + si, q, sc, off);
        } else {
          std::memset(q, 0, sizeof(q));
        }
        for (int k = 0; k < f.step; ++k) b[si][k / 4][4 * n + k % 4] = q[k];
        scale[si][n] = sc;
        offset[si][n] = off;
      }
    }
  }
};

template <typename Tiles>
void Run(const Problem& p, int64_t begin, int64_t end) {
  const WeightFormat& f = *FindFormat(p.type);
  const int64_t steps = p.k / f.step;
  Tiles tiles(f.step);
  Panel panel;
  alignas(64) int32_t c[kTile][kTile];
  for (int64_t n0 = begin; n0 < end; n0 += kTile) {
    const int n_rows = static_cast<int>(end - n0 < kTile ? end - n0 : kTile);
    const __mmask16 store_mask = static_cast<__mmask16>((1u << n_rows) - 1);
    for (int64_t s0 = 0; s0 < steps; s0 += kChunkSteps) {
      const int ns = static_cast<int>(steps - s0 < kChunkSteps ? steps - s0 : kChunkSteps);
      panel.Decode(f, p, n0, n_rows, s0, ns);
      for (int64_t m0 = 0; m0 < p.m; m0 += kTile) {
        __m512 acc[kTile];
        for (int i = 0; i < kTile; ++i) {
          float* y = p.y + (m0 + i) * p.y_stride + n0;
          acc[i] = s0 == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(store_mask, y);
        }
        const uint8_t* act = p.act + m0 * p.act_stride;
        for (int si = 0; si < ns; ++si) {
          const int64_t s = s0 + si;
          const ActStep first = ActivationStep(f.activation, act, s, f.step);
          tiles.Zero();
          tiles.LoadA(first.qs, p.act_stride);  // the step's quants of 16 rows, act_stride apart
          tiles.LoadB(panel.b[si]);
          tiles.Multiply();
          tiles.StoreC(&c[0][0]);
          const __m512 scale = _mm512_load_ps(panel.scale[si]);
          const __m512 offset = _mm512_load_ps(panel.offset[si]);
          for (int i = 0; i < kTile; ++i) {
            const ActStep a = ActivationStep(f.activation, act + i * p.act_stride, s, f.step);
            const __m512 prod = _mm512_cvtepi32_ps(_mm512_load_si512(c[i]));
            acc[i] = _mm512_fmadd_ps(prod, _mm512_mul_ps(scale, _mm512_set1_ps(a.d)), acc[i]);
            acc[i] = _mm512_fmadd_ps(offset, _mm512_set1_ps(a.d_sum), acc[i]);
          }
        }
        for (int i = 0; i < kTile; ++i) {
          _mm512_mask_storeu_ps(p.y + (m0 + i) * p.y_stride + n0, store_mask, acc[i]);
        }
      }
    }
  }
}

}  // namespace

bool Supports(DType weight) {
  return FindFormat(weight) != nullptr;
}

void MultiplyRows(const Problem& p, int64_t begin, int64_t end) {
  Run<AmxTiles>(p, begin, end);
}

void MultiplyRowsEmulated(const Problem& p, int64_t begin, int64_t end) {
  Run<EmulatedTiles>(p, begin, end);
}

}  // namespace corral::cpu::amx

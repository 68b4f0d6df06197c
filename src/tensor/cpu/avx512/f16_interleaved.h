// The AVX-512 kernel of interleaved F16 weights (tensor/quant/interleave.h): 16 weight rows at a time
// against 1..4 activation rows in F16, for decode steps and batches.
//
// Row by row, a decode step streams 16 rows side by side when rows are long (the activation row does not
// fit beside them in L1: float_tiles_x86.h) — several memory streams per thread, which Zen 4 reads at ~75 %
// of the bandwidth where one stream reads ~90 %. Interleaved, a group of 16 rows is one stream: per element,
// one conversion of the 16 rows' halves to floats and one fused multiply-add per activation row against
// the broadcast activation, the 16 results in one vector. Products are summed in f32 as ggml's
// vec_dot_f16 does, in another order (4 partial sums per row over interleaved elements).
//
// Built with the AVX-512 family's flags: call only with cpu::Isa::kAvx512 supported.
#pragma once

#include <cstddef>
#include <cstdint>

namespace corral::cpu::avx512 {

// y[c · y_stride + r] = Σ_i W_r[i] · A_c[i] for the 16 rows r of the interleaved F16 group at `group` (k
// elements per row) and the activation rows c < cols (1 ≤ cols ≤ kInterleavedMaxCols), A_c in F16 at
// act + c · act_stride.
void F16InterleavedTile(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, int cols,
                        float* y, size_t y_stride);

}  // namespace corral::cpu::avx512

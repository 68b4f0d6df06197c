// Assembling DotKernel entries from the tiles of this folder: the tile shapes of one x86 family and the
// wrappers that turn tile templates into table entries. Included by the family's .cpp files (see x86_simd.h
// for why everything here has internal linkage).
#pragma once

#include "tensor/cpu/kernels.h"
#include "tensor/cpu/x86/x86_simd.h"

namespace corral::cpu::x86 {
namespace {

// Weight rows per tile for 1..4 activation columns. With several activation columns, each (row, column)
// pair holds an int32 and an f32 accumulator in registers: AVX-512's 32 vector registers fit 8 pairs beside
// the decoded weights and activations, AVX2's 16 fit 4. With one column (decode), a tile is one row: the
// weights then stream through memory as one sequential read per thread, and on Zen 4 that ran twice as
// fast as 2 or 4 rows side by side (Q4_K 17 vs 8.5/11.6 GB/s, Q6_K 22 vs 9/9 GB/s, Q8_0 24 vs 12/16 GB/s,
// one thread, best of 60 passes over 9-18 MB matrices; see bench/README.md). The activation row those
// rows would have shared sits in L1 anyway. The float formats are the exception (kFloatRows1 in
// float_table_x86.h): their activation row does not fit beside the stream.
constexpr int kRows1 = 1;
constexpr int kRows2 = kAvx512 ? 4 : 2;
constexpr int kRows3 = kAvx512 ? 2 : 1;
constexpr int kRows4 = kAvx512 ? 2 : 1;

// T::Run<R, C> is the tile of R weight rows × C activation rows; R1..R4 are the rows of the 1..4-column
// tiles.
template <typename T, int R2 = kRows2, int R3 = kRows3, int R4 = kRows4, int R1 = kRows1>
constexpr DotKernel Make(DType weight, DType activation, QuantizeRowFn quantize) {
  return DotKernel{weight,
                   activation,
                   quantize,
                   {nullptr, &T::template Run<R1, 1>, &T::template Run<R2, 2>, &T::template Run<R3, 3>,
                    &T::template Run<R4, 4>},
                   {0, R1, R2, R3, R4}};
}

template <size_t N>
const DotKernel* FindInTable(const DotKernel (&table)[N], DType weight) {
  for (const DotKernel& k : table) {
    if (k.weight == weight) return &k;
  }
  return nullptr;
}

}  // namespace
}  // namespace corral::cpu::x86

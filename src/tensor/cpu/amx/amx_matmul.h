// Matrix-matrix products on Intel AMX (Sapphire Rapids and later): the panel GEMM's operands
// (cpu/avx512/panel_matmul.h) multiplied on the tiles, one TDPBSSD per 16 weight rows × 16 activation rows
// × K-step, with the vector units turning each step's int32 sums into float while the tiles take the next
// (amx_matmul.cpp says how).
//
// Built in cpu/amx/ with AMX and AVX-512 flags: call MultiplyRows only when AmxUsable(HostCpuFeatures()).
// MultiplyRowsEmulated runs the same driver with the tile instructions done in plain code (AVX-512
// suffices), so tests check the layouts, scaling and edges on CPUs without AMX.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/dtype.h"
#include "tensor/cpu/avx512/panel_matmul.h"

namespace corral::cpu::amx {

// Weights the AMX path multiplies: those with a panel decoder and 32-element K-steps (Q4_0, Q4_1, Q5_0,
// Q5_1, Q8_0, IQ4_NL, Q4_K, Q5_K, IQ4_XS). The rest go to the vpdpbusd panels.
bool Supports(DType weight);

// Output rows [begin, end) for all p.m activation rows, packed by panel::PackActivations with
// shifted = false (signed bytes); `workspace` as for panel::MultiplyRows. REQUIRES
// AmxUsable(HostCpuFeatures()), Supports(p.type).
void MultiplyRows(const panel::Problem& p, int64_t begin, int64_t end, uint8_t* workspace);

// The same with the tile instructions emulated. REQUIRES IsaSupported(Isa::kAvx512, ...), Supports(p.type).
void MultiplyRowsEmulated(const panel::Problem& p, int64_t begin, int64_t end, uint8_t* workspace);

}  // namespace corral::cpu::amx

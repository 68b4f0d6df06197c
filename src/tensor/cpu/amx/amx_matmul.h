// Matrix-matrix products on Intel AMX (Sapphire Rapids and later): 16 × 16 int32 tiles accumulated by
// TDPBSSD from 16 activation rows × K int8 (tile A, straight from the quantized activations) and 16 weight
// rows × K int8 (tile B, the weights decoded and repacked on the fly into AMX's 4-byte-interleaved layout).
//
// Every weight format becomes, per K-step of 32 elements (16 for the K-quants with 16-element sub-blocks),
// int8 quants q with one float scale and one float offset per row: value = scale·q + offset. The step's
// int32 tile is then scaled into float accumulators with AVX-512: y += scale_w·d_a·(q·a) + offset_w·(d_a·Σa),
// where d_a·Σa is Q8_1's s or comes from Q8_K's 16-element sums. Weights are decoded per panel of 16 rows ×
// 512 elements and reused by every 16-row block of activations, so nothing is repacked at load and no extra
// memory is held.
//
// Built in cpu/amx/ with AMX and AVX-512 flags: call only when AmxUsable(HostCpuFeatures()), except the
// emulated variant (tile instructions done in plain code; AVX-512 suffices), which tests use to check the
// decoding, repacking and scaling on CPUs without AMX.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/dtype.h"

namespace corral::cpu::amx {

// Weights the AMX path multiplies (with their usual activation format, cpu::ActivationType).
bool Supports(DType weight);

struct Problem {
  DType type;
  const uint8_t* w;  // weight row r at w + r · w_stride
  size_t w_stride;
  int64_t k;
  const uint8_t* act;  // activation row i (in ActivationType(type)) at act + i · act_stride
  size_t act_stride;
  int64_t m;  // activation rows, a multiple of 16
  float* y;   // y[i · y_stride + r]
  int64_t y_stride;
};

// Output rows [begin, end) for all m activation rows. REQUIRES AmxUsable(HostCpuFeatures()),
// Supports(p.type), p.m % 16 == 0.
void MultiplyRows(const Problem& p, int64_t begin, int64_t end);

// The same computation with the tile instructions emulated. REQUIRES IsaSupported(Isa::kAvx512, ...).
void MultiplyRowsEmulated(const Problem& p, int64_t begin, int64_t end);

}  // namespace corral::cpu::amx

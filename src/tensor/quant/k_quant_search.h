// The deterministic scale searches of llama.cpp's K-quant reference quantizers (ggml-quants.c:
// make_qx_quants, make_q3_quants, make_qkx2_quants), in the variants the reference path uses (no
// importance matrix). Each tries a handful of candidate scales around amax/nmax and keeps the one with
// the smallest weighted squared (or absolute) error. The float operations run in ggml's order, because
// a scale that differs in its last bit can flip a quant and with it the file's bytes.
#pragma once

#include <cstdint>

namespace corral::quant {

// The group size n and the grid size are template parameters so each caller's loops are compiled for its
// constants (ggml gets the same from inlining its static functions); the instantiations used live in
// k_quant_search.cpp.

// Symmetric grid −nmax … nmax−1 with weights x², tried at scales −(nmax + 0.1·k)/max, k = −9 … 9 (Q6_K).
// Writes L[i] = quant + nmax; returns the scale (0 for a group below 1e-15).
template <int n, int nmax>
float SearchSymmetricScale(const float* x, int8_t* L);

// Symmetric grid −nmax … nmax−1 refined by coordinate descent on each quant, weights x² (Q3_K).
// Writes L[i] = quant + nmax; returns the scale (0 with L = 0 for a group below 1e-15).
template <int n, int nmax>
float SearchSymmetricScaleIterative(const float* x, int8_t* L);

// Asymmetric grid 0 … nmax with an offset min ≤ 0: value ≈ scale·L − the_min. Tries
// iscale = (rmin + rdelta·k + nmax)/(max − min) for k = 0 … nstep and solves the weighted least squares
// for scale and min at each (Q2_K, Q4_K, Q5_K). use_mad: absolute instead of squared error. Writes L and
// *the_min (≥ 0); returns the scale.
struct AsymmetricSteps {
  float rmin;
  float rdelta;
  int nstep;
};
template <int n, int nmax, bool use_mad>
float SearchAsymmetricScale(const float* x, const float* weights, uint8_t* L, float* the_min,
                            const AsymmetricSteps& steps);

}  // namespace corral::quant

#include "tensor/quant/k_quant_search.h"

#include <algorithm>
#include <cmath>

#include "tensor/quant/quant_math.h"

namespace corral::quant {
namespace {

// ggml's GROUP_MAX_EPS: a group whose largest magnitude is below this is all zero.
constexpr float kGroupMaxEps = 1e-15f;

template <int nmax>
int ClampSymmetric(int l) {
  return ClampInt(l, -nmax, nmax - 1);
}

}  // namespace

template <int n, int nmax>
float SearchSymmetricScale(const float* x, int8_t* L) {
  const float max = LargestMagnitude(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.0f;
  }
  // Sums of w·x·l and w·l² for the grid at iscale, w = x².
  struct Sums {
    float lx, l2;
  };
  auto fit = [x](float iscale) {
    Sums sums{0, 0};
    for (int i = 0; i < n; ++i) {
      const float l = static_cast<float>(ClampSymmetric<nmax>(NearestInt(iscale * x[i])));
      const float w = x[i] * x[i];
      sums.lx += w * x[i] * l;
      sums.l2 += w * l * l;
    }
    return sums;
  };
  auto assign = [x, L](float iscale) {
    for (int i = 0; i < n; ++i) {
      L[i] = static_cast<int8_t>(nmax + ClampSymmetric<nmax>(NearestInt(iscale * x[i])));
    }
  };

  float iscale = static_cast<float>(-nmax) / max;
  Sums sums = fit(iscale);
  assign(iscale);
  float scale = sums.l2 != 0 ? sums.lx / sums.l2 : 0.0f;
  float best = scale * sums.lx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
    sums = fit(iscale);
    // Maximising sumlx²/suml2 minimises the weighted error of the least-squares scale sumlx/suml2.
    if (sums.l2 > 0 && sums.lx * sums.lx > best * sums.l2) {
      assign(iscale);
      scale = sums.lx / sums.l2;
      best = scale * sums.lx;
    }
  }
  return scale;
}

template <int n, int nmax>
float SearchSymmetricScaleIterative(const float* x, int8_t* L) {
  const float max = LargestMagnitude(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.0f;
  }
  const float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0;
  float suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = ClampSymmetric<nmax>(NearestInt(iscale * x[i]));
    L[i] = static_cast<int8_t>(l);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * static_cast<float>(l);
    suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  // Up to 5 sweeps: move each quant to its best value given the others, keep the move if the fit
  // (sumlx²/suml2) improves.
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      const float li = static_cast<float>(L[i]);
      float slx = sumlx - w * x[i] * li;
      if (slx > 0) {
        float sl2 = suml2 - w * li * li;
        const int new_l = ClampSymmetric<nmax>(NearestInt(x[i] * sl2 / slx));
        if (new_l != L[i]) {
          const float nl = static_cast<float>(new_l);
          slx += w * x[i] * nl;
          sl2 += w * nl * nl;
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<int8_t>(new_l);
            sumlx = slx;
            suml2 = sl2;
            ++n_changed;
          }
        }
      }
    }
    if (n_changed == 0) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

template <int n, int nmax, bool use_mad>
float SearchAsymmetricScale(const float* x, const float* weights, uint8_t* L, float* the_min,
                            const AsymmetricSteps& steps) {
  uint8_t Laux[n];
  float min = x[0];
  float max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    *the_min = -min;
    return 0.0f;
  }
  auto error_of = [&](float diff) { return use_mad ? std::fabs(diff) : diff * diff; };
  auto quant_at = [&](float iscale, int i) { return ClampInt(NearestInt(iscale * (x[i] - min)), 0, nmax); };

  float iscale = static_cast<float>(nmax) / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    L[i] = static_cast<uint8_t>(quant_at(iscale, i));
    const float diff = scale * static_cast<float>(L[i]) + min - x[i];
    best_error += weights[i] * error_of(diff);
  }
  if (steps.nstep < 1) {
    *the_min = -min;
    return scale;
  }
  for (int is = 0; is <= steps.nstep; ++is) {
    iscale = (steps.rmin + steps.rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = quant_at(iscale, i);
      Laux[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      const float fl = static_cast<float>(l);
      sum_l += w * fl;
      sum_l2 += w * fl * fl;
      sum_xl += w * fl * x[i];
    }
    // Weighted least squares for x ≈ this_scale·l + this_min over the quants just chosen.
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        const float diff = this_scale * static_cast<float>(Laux[i]) + this_min - x[i];
        cur_error += weights[i] * error_of(diff);
      }
      if (cur_error < best_error) {
        for (int i = 0; i < n; ++i) L[i] = Laux[i];
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

template float SearchSymmetricScale<16, 32>(const float*, int8_t*);
template float SearchSymmetricScaleIterative<16, 4>(const float*, int8_t*);
template float SearchAsymmetricScale<16, 3, true>(const float*, const float*, uint8_t*, float*,
                                                  const AsymmetricSteps&);
template float SearchAsymmetricScale<32, 15, false>(const float*, const float*, uint8_t*, float*,
                                                    const AsymmetricSteps&);
template float SearchAsymmetricScale<32, 31, false>(const float*, const float*, uint8_t*, float*,
                                                    const AsymmetricSteps&);

}  // namespace corral::quant

// llama.cpp's own quantization, dequantization and dot-product routines, loaded at run time from the
// prebuilt ggml libraries that ../shared/peer/setup.sh installs (node-llama-cpp's npm package). Tests use
// them as the reference corral must match bit for bit. Nothing here is corral code under test.
//
// Where the libraries are missing, Get() returns nullptr and UnavailableReason() says why; parity tests
// fail on that (run ../shared/peer/setup.sh, which .ci/run does) rather than silently pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/dtype.h"

namespace corral::testing {

class GgmlPeer {
 public:
  static const GgmlPeer* Get();
  static const std::string& UnavailableReason();

  // quantize_row_<type>_ref: the reference quantizer (what llama-quantize uses when there is no imatrix).
  bool QuantizeRowRef(DType type, const float* src, void* dst, int64_t n) const;
  // ggml_quantize_chunk without an imatrix (rows of n_per_row elements).
  size_t QuantizeChunk(DType type, const float* src, void* dst, int64_t nrows, int64_t n_per_row) const;
  // dequantize_row_<type>; also f16/bf16 rows through the type traits.
  bool DequantizeRow(DType type, const void* src, float* dst, int64_t n) const;
  // ggml_vec_dot_<w>_<a> from the portable (non-SIMD) x64 CPU variant: sum over n elements of
  // weight row · activation row, where the activation row is already in the weight type's vec_dot type.
  bool VecDot(DType weight, int64_t n, const void* w, const void* act, float* out) const;

  // quantize_row_<act> of the x64 CPU variant (act = q8_0, q8_1 or q8_K): how ggml quantizes activations.
  bool QuantizeActivationRow(DType act, const float* src, void* dst, int64_t n) const;

  std::string library_dir() const { return dir_; }

 private:
  GgmlPeer() = default;
  void* base_ = nullptr;
  void* cpu_ = nullptr;
  std::string dir_;
};

}  // namespace corral::testing

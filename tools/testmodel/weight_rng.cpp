#include "weight_rng.h"

#include <bit>
#include <cmath>

namespace corral::testmodel {

uint32_t Fnv1a32(std::string_view text) {
  uint32_t h = 0x811c9dc5u;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x01000193u;
  }
  return h;
}

WeightRng::WeightRng(uint32_t seed, std::string_view tensor_name) {
  uint32_t x = seed + Fnv1a32(tensor_name) * 0x9e3779b9u;
  for (uint32_t& word : s_) {
    x += 0x9e3779b9u;  // splitmix32
    uint32_t z = x;
    z = (z ^ (z >> 16)) * 0x85ebca6bu;
    z = (z ^ (z >> 13)) * 0xc2b2ae35u;
    word = z ^ (z >> 16);
  }
}

uint32_t WeightRng::Next() {
  const uint32_t result = std::rotl(s_[1] * 5u, 7) * 9u;
  const uint32_t t = s_[1] << 9;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = std::rotl(s_[3], 11);
  return result;
}

void WeightRng::Fill(std::span<float> out, double std_dev, double mean) {
  // The same double operations in the same order as lib.mjs; the target is built with -ffp-contract=off so
  // no multiply-add is fused, and the final float conversion rounds to nearest even like a Float32Array
  // store.
  const double k = std::sqrt(3.0) / 65536.0;
  for (float& v : out) {
    const uint32_t r1 = Next();
    const uint32_t r2 = Next();
    const int32_t h = static_cast<int32_t>((r1 >> 16) + (r1 & 0xffffu) + (r2 >> 16) + (r2 & 0xffffu));
    const double z = static_cast<double>(h - 131070) * k;
    v = static_cast<float>(mean + z * std_dev);
  }
}

}  // namespace corral::testmodel

// The deterministic weight generator of ../shared/peer/lib.mjs (class Rng), reproduced bit for bit so that
// corral-testmodel and the peer's mkgguf.mjs write identical tensors for the same (seed, tensor name, std):
//   key   = FNV-1a-32(tensor name);  x = seed + key * 0x9E3779B9          (mod 2^32)
//   state = four splitmix32 outputs from x;  generator = xoshiro128**
//   value = f32(mean + ((H - 131070) * (sqrt(3) / 65536)) * std)  in double, where H sums the four 16-bit
//           halves of two consecutive outputs (Irwin-Hall of 4 uniforms: ~N(0, 1), |z| <= 3.46)
// Not thread-safe; one generator per tensor.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace corral::testmodel {

uint32_t Fnv1a32(std::string_view text);

class WeightRng {
 public:
  WeightRng(uint32_t seed, std::string_view tensor_name);

  uint32_t Next();  // one xoshiro128** output
  // out[i] = mean + z_i * std, rounded to float, in storage order.
  void Fill(std::span<float> out, double std_dev, double mean = 0.0);

 private:
  std::array<uint32_t, 4> s_{};
};

}  // namespace corral::testmodel

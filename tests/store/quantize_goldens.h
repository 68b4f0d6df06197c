// llama-quantize's outputs for one F16 test model, recorded with ../shared/peer/quantize (llama.cpp's
// llama_model_quantize, one thread) from the model below, for quantize_test.cpp and
// quantize_parity_test.cpp:
//   corral-testmodel --vocab ggml-vocab-llama-spm.gguf --dim 256 --layers 2 --heads 4 --kv-heads 2 --ffn 512
//                    --ctx 512 --dtype f16 --seed 7
#pragma once

#include <cstdint>

namespace corral::store {

struct Golden {
  const char* type;
  const char* data_sha256;
  uint64_t data_bytes;
};

// The data sections of llama-quantize's outputs.
inline constexpr Golden kLlamaQuantize[] = {
    {"Q4_0", "fe11eab17284f602df18160eee737a188757283fc405296cd4949828aef1567e", 11996672},
    {"Q4_1", "70ac39aaed23746a087bf4eb569bfa36afcae6dd4063bdb50f9477851b514558", 12582400},
    {"Q5_0", "b1fa209ad4eedd2740b9abaa842dda93aaa0803e57a106103b86a2053a3bc87b", 13168128},
    {"Q5_1", "999dbd8a382550e5b8711b15839a57b944c41d54278905e6f2d03b8220e57c8e", 13753856},
    {"Q8_0", "fc10c43dac957ab51a309e5320b7e6e51814bd6c865c276546dbefe9c5973009", 18666496},
    {"Q2_K", "6a0be7f6b8ac5689c61d17fa497b3ac7895b9a077f3ec0f69c84ad0eac9434c8", 9846784},
    {"Q3_K_S", "fb56baa77f40374154681469095972b09cb0e6e03a2d6fb0f2ca41c9ba281bcd", 10752000},
    {"Q3_K_M", "3e509b050eba5e3f1180dcff088b44f08de6881f3eebde79ee5f0be01c00d322", 10821120},
    {"Q3_K_L", "538cf1547c88cc1d21da6f78b8eeb4fb255a7d4c5fbba2594a1cc443a9cc4da5", 10870272},
    {"Q4_K_S", "67e65e2b6f6930f0ad64cf4c8b2214ab82543ced231af717ffcdf8de006b8712", 12004864},
    {"Q4_K_M", "28707708dcb987d21250bae4f15fa8a2e4dc66ab3396e4d310143cc855d5818c", 12038912},
    {"Q5_K_S", "4db5e6892cc25ca36b0749440b5064c1b0a8cd69731898a816b6d31c53bad710", 13168128},
    {"Q5_K_M", "0e39edb3732036ef655fa23b2a2d50e442a7b3675542e4c546d719c947656502", 13189888},
    {"Q6_K", "04d09e70cce9b8aa8b9571365137047b52f32f70fef373dd3d11fe197c472721", 14412800},
};

// sha256 of the F16 model file corral-testmodel writes with the arguments above.
inline constexpr const char* kF16Sha256 = "195be5c0fbe45c8bed08c41a017ba8f3d4e9d2211c76aaf943b429d541c5d03c";

}  // namespace corral::store

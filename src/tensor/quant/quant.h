// Conversion between f32 rows and the stored tensor formats, bit-exact with llama.cpp.
//
// DequantizeRow equals ggml's dequantize_row_<type> to the last bit. QuantizeRow writes the bytes of
// ggml's quantize_row_<type>_ref. QuantizeTensor writes what llama-quantize writes without an importance
// matrix (ggml_quantize_chunk); that equals QuantizeRow row by row for every type except IQ4_NL, whose
// reference quantizer skips the scale search that ggml_quantize_chunk runs (see iq4_quants.h).
//
// Typed per-family entry points (legacy_quants.h, k_quants.h, iq4_quants.h, float_formats.h) take block
// pointers and block counts; this header dispatches on DType with element counts.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/dtype.h"
#include "base/status.h"
#include "base/thread_pool.h"

namespace corral::quant {

// F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K … Q6_K, Q8_K, IQ4_NL, IQ4_XS.
bool CanDequantize(DType type);

// Decodes n elements of `type` at src into dst. Returns false and writes nothing when the type cannot be
// dequantized or n is not a whole number of blocks (n % block_size != 0, or n < 0).
bool DequantizeRow(DType type, const void* src, float* dst, int64_t n);

// The same set as CanDequantize.
bool CanQuantize(DType type);

// Encodes n elements as quantize_row_<type>_ref does (F16/BF16: ggml's fp32→fp16 / fp32→bf16 row
// conversions). Returns the bytes written, RowBytes(type, n), or 0 (nothing written) when the type cannot be
// quantized or n is not a whole number of blocks. src must be free of NaN and infinities.
size_t QuantizeRow(DType type, const float* src, void* dst, int64_t n);

// Quantizes a rows × row_len f32 tensor into dst (rows · RowBytes(type, row_len) bytes), splitting rows over
// `pool` (nullptr: the calling thread). The bytes equal ggml_quantize_chunk(type, src, dst, 0, rows, row_len,
// nullptr) whatever the thread count. Errors: InvalidArgument for a row length that is not a multiple of the
// type's block size, negative sizes or null buffers; Unsupported for a type corral cannot quantize and for
// the activation-only formats Q8_1 and Q8_K (ggml_quantize_chunk rejects them too).
Status QuantizeTensor(DType type, const float* src, void* dst, int64_t rows, int64_t row_len,
                      ThreadPool* pool);

}  // namespace corral::quant

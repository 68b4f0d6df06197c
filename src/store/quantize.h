// Quantizes an F32/F16/BF16 GGUF to one of llama.cpp's file types (Q4_K_M, Q8_0, ...) as llama-quantize does
// without an importance matrix: the same per-tensor mixture (quant::PlanMixture), the same block bytes
// (quant::QuantizeTensor), and the same metadata (the source's, with general.quantization_version = 2 and
// general.file_type moved to the end, split keys dropped). The output streams out tensor by tensor through
// gguf::Writer, so memory holds one source tensor in f32 and its quantized bytes at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "base/status.h"
#include "base/thread_pool.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "tensor/quant/file_type.h"

namespace corral::store {

struct QuantizeProgress {
  int64_t tensors_done = 0;
  int64_t tensors_total = 0;
  std::string_view tensor_name;
};

// InvalidArgument when the source is not F32, F16 or BF16 (general.file_type 0, 1 or 32), as Ollama
// refuses, or when its shape metadata is missing.
Status QuantizeGguf(const gguf::File& source, quant::FileType type, const gguf::Writer::AppendFn& sink,
                    ThreadPool* pool, const std::function<void(const QuantizeProgress&)>& progress = {});

}  // namespace corral::store

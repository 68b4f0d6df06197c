#include "store/quantize.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "tensor/quant/quant.h"

namespace corral::store {
namespace {

// N of a "blk.N." tensor name, -1 for any other (as sscanf("blk.%d.") leaves it).
int LayerOf(std::string_view name) {
  if (!name.starts_with("blk.")) return -1;
  int layer = 0;
  const char* begin = name.data() + 4;
  const auto [end, ec] = std::from_chars(begin, name.data() + name.size(), layer);
  return ec == std::errc() && end != begin ? layer : -1;
}

}  // namespace

Status QuantizeGguf(const gguf::File& source, quant::FileType type, const gguf::Writer::AppendFn& sink,
                    ThreadPool* pool, const std::function<void(const QuantizeProgress&)>& progress) {
  CORRAL_ASSIGN_OR_RETURN(uint32_t source_type, source.GetU32Or("general.file_type", 0));
  if (source_type != 0 && source_type != 1 && source_type != 32) {
    return Status::InvalidArgument("quantization is only supported for F16, BF16 and F32 models");
  }
  CORRAL_ASSIGN_OR_RETURN(std::string_view arch_view, source.GetString("general.architecture"));
  const std::string arch(arch_view);
  CORRAL_ASSIGN_OR_RETURN(uint32_t n_layers, source.GetU32(arch + ".block_count"));
  CORRAL_ASSIGN_OR_RETURN(uint32_t n_heads, source.GetU32(arch + ".attention.head_count"));
  CORRAL_ASSIGN_OR_RETURN(uint32_t n_kv_heads, source.GetU32Or(arch + ".attention.head_count_kv", n_heads));

  // llama-quantize visits (and writes) tensors in its loader's map order: by layer number, tensors outside
  // the blocks ("blk.N.") first, then by name within a layer (llama_model_loader::weight_name_comparer).
  // The mixture counts attention-v tensors in that order too.
  std::vector<const gguf::TensorInfo*> order;
  for (const gguf::TensorInfo& t : source.tensors()) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(), [](const gguf::TensorInfo* a, const gguf::TensorInfo* b) {
    const int la = LayerOf(a->name);
    const int lb = LayerOf(b->name);
    return la != lb ? la < lb : a->name < b->name;
  });
  std::vector<quant::TensorToQuantize> plan_input;
  for (const gguf::TensorInfo* tp : order) {
    const gguf::TensorInfo& t = *tp;
    std::vector<int64_t> shape(t.shape.ne.begin(), t.shape.ne.begin() + t.shape.n_dims);
    plan_input.push_back({std::string(t.name), std::move(shape), t.type});
  }
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<DType> types,
      quant::PlanMixture(type, plan_input,
                         {.n_layers = n_layers, .n_heads = n_heads, .n_kv_heads = n_kv_heads}));

  gguf::Writer writer;
  for (const gguf::KeyValue& kv : source.metadata()) writer.SetValue(kv.key, kv.value);
  // llama-quantize sets these two with gguf_set_val_u32, which removes the key and appends it.
  for (const char* key : {"general.quantization_version", "general.file_type", "split.no", "split.count",
                          "split.tensors.count"}) {
    writer.Remove(key);
  }
  writer.SetU32("general.quantization_version", 2);
  writer.SetU32("general.file_type", static_cast<uint32_t>(type));

  const int64_t total = static_cast<int64_t>(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const gguf::TensorInfo& t = *order[i];
    const DType to = types[i];
    const std::string name(t.name);
    CORRAL_RETURN_IF_ERROR(writer.AddTensor(
        t.name, to, t.shape, [&t, to, pool, i, total, name, &progress](std::span<uint8_t> out) -> Status {
          if (progress) progress({static_cast<int64_t>(i), total, name});
          if (to == t.type) {
            std::copy(t.data.begin(), t.data.end(), out.begin());
            return Status::Ok();
          }
          const int64_t row_len = t.shape.ne[0];
          const int64_t rows = t.shape.elements() / row_len;
          if (!quant::CanDequantize(t.type)) {
            return Status::Unsupported("tensor " + name + " has a type corral cannot convert");
          }
          std::vector<float> values(static_cast<size_t>(t.shape.elements()));
          const size_t row_bytes = t.bytes / static_cast<size_t>(rows);
          for (int64_t r = 0; r < rows; ++r) {
            if (!quant::DequantizeRow(t.type, t.data.data() + r * row_bytes, values.data() + r * row_len,
                                      row_len)) {
              return Status::Corrupt("tensor " + name + ": cannot decode row " + std::to_string(r));
            }
          }
          return quant::QuantizeTensor(to, values.data(), out.data(), rows, row_len, pool);
        }));
  }
  CORRAL_RETURN_IF_ERROR(writer.WriteTo(sink));
  if (progress) progress({total, total, ""});
  return Status::Ok();
}

}  // namespace corral::store

#include "model/model.h"

#include <cstring>

#include "tensor/cpu/cpu_features.h"
#include "tensor/ops/norm_rope.h"
#include "tensor/quant/interleave.h"

namespace corral::model {
namespace {

// Reserves the copy of the data section; an empty buffer means "read in place".
Result<ResidentBuffer> ReserveCopy(const gguf::File& file, const LoadOptions& options) {
  if (options.use_mmap.value_or(false)) return ResidentBuffer();
  const size_t bytes = file.file_size() - file.data_offset();
  Result<ResidentBuffer> buffer = ResidentBuffer::Allocate(bytes);
  if (!buffer.ok() && !options.use_mmap.has_value()) return ResidentBuffer();  // the map still works
  if (!buffer.ok()) return buffer.status().WithContext("model: use_mmap false");
  return buffer;
}

// Rearranges the Q4_K / Q6_K / F16 matrices of the copy into the layout this CPU's kernels read fastest
// (tensor/quant/interleave.h: AVX-512 decode ran Q4_K at ~80 % of the memory bandwidth row by row).
// Weights read in place from the map keep the file's layout, as do matrices whose shape does not allow it.
// A token_embd that is also the output matrix is interleaved with it (Forward::Embed reads either layout).
void Interleave(Weights& weights) {
  const cpu::Isa isa = cpu::IsaOrBest(cpu::HostCpuFeatures());
  std::vector<uint8_t> buffer;
  auto interleave = [&](WeightView& w) {
    if (!PreferInterleaved(w.type, isa) || w.layout != WeightLayout::kRows ||
        !quant::CanInterleave(w.type, w.rows, w.cols, w.row_stride)) {
      return;
    }
    buffer.resize(quant::kInterleaveRows * w.row_stride);
    // The copy is this Model's own memory; the views are const only towards the forward pass.
    quant::InterleaveInPlace(w.type, static_cast<uint8_t*>(const_cast<void*>(w.data)), w.rows, w.cols,
                             buffer.data());
    w.layout = WeightLayout::kInterleaved16;
  };
  for (LayerWeights& l : weights.layers) {
    for (WeightView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) interleave(*w);
  }
  interleave(weights.output);
  if (weights.token_embd.data == weights.output.data) weights.token_embd.layout = weights.output.layout;
}

}  // namespace

Model::Model(gguf::File file, ResidentBuffer data_copy, Config config, Weights weights)
    : file_(std::move(file)),
      data_copy_(std::move(data_copy)),
      config_(std::move(config)),
      weights_(std::move(weights)) {
  if (config_.arch == Arch::kGemma3 || config_.arch == Arch::kBert) {
    gelu_table_.resize(65536);
    ops::MakeGeluTable(gelu_table_);
  }
}

Result<std::unique_ptr<Model>> Model::Bind(gguf::File file, ResidentBuffer data_copy) {
  CORRAL_ASSIGN_OR_RETURN(Config config, ReadConfig(file));
  // The weights point into the file's mapping (which stays put when the File moves: it holds it by pointer)
  // or into the copy (likewise: moving a ResidentBuffer moves no bytes).
  CORRAL_ASSIGN_OR_RETURN(Weights weights, BindWeights(file, config, data_copy.bytes()));
  if (data_copy.size() > 0) Interleave(weights);
  return std::unique_ptr<Model>(
      new Model(std::move(file), std::move(data_copy), std::move(config), std::move(weights)));
}

Result<std::unique_ptr<Model>> Model::FromFile(gguf::File file, const LoadOptions& options) {
  CORRAL_ASSIGN_OR_RETURN(ResidentBuffer copy, ReserveCopy(file, options));
  // Tensor by tensor (the alignment padding between them stays zero): the parser checked each one lies
  // inside the data section.
  for (const gguf::TensorInfo& t : file.tensors()) {
    if (copy.size() > 0 && t.bytes > 0) std::memcpy(copy.data() + t.offset, t.data.data(), t.bytes);
  }
  return Bind(std::move(file), std::move(copy));
}

Result<std::unique_ptr<Model>> Model::Load(const std::filesystem::path& path, const LoadOptions& options) {
  CORRAL_ASSIGN_OR_RETURN(gguf::File file, gguf::File::Open(path.string()));
  Result<ResidentBuffer> copy = ReserveCopy(file, options);
  if (copy.ok() && copy->size() > 0) {
    // pread rather than a copy from the map: the map's pages would count as resident too, doubling the
    // peak for the time of the copy.
    Status read = ReadFileRange(path.string(), file.data_offset(), copy->bytes());
    if (!read.ok()) copy = read;
  }
  if (!copy.ok()) return copy.status().WithContext(path.filename().string());
  auto model = Bind(std::move(file), std::move(*copy));
  if (!model.ok()) return model.status().WithContext(path.filename().string());
  return model;
}

}  // namespace corral::model

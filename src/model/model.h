// A loaded model: the GGUF file (mmapped, owned here), its Config and its weights, bound either in place in
// the map or in a resident copy of the file's data section (LoadOptions::use_mmap).
//
//   CORRAL_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, Model::Load("model.gguf"));
//   CORRAL_ASSIGN_OR_RETURN(std::unique_ptr<Context> ctx, Context::Create(*model, {.n_ctx = 4096}));
//
// Thread safety: a Model is immutable after Load; several Contexts may share it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "base/resident_buffer.h"
#include "base/status.h"
#include "gguf/file.h"
#include "model/config.h"
#include "model/weights.h"

namespace corral::model {

struct LoadOptions {
  // Ollama's use_mmap. true: the weights are read in place from the file's map (page cache, shared with
  // other processes, 4 KiB pages). false: the data section is read once into anonymous memory advised for
  // 2 MiB pages (ResidentBuffer), and an allocation failure is an error. Unset: the copy, which decodes
  // faster (bench/README.md: the map's 4 KiB pages halve the memory bandwidth a decode step streams at),
  // falling back to the map when the memory cannot be reserved. The copy costs load time (1B Q4_K_M from
  // the page cache: 0.7-2.7 s against 0.7 s for the map, the kernel zeroing and compacting huge pages) and
  // the weights are no longer shared between processes that load the same file. In the copy, Q4_K matrices
  // (and Q6_K, F16) are rearranged into the interleaved layout where the kernels of this CPU read it
  // (PreferInterleaved).
  std::optional<bool> use_mmap;
};

class Model {
 public:
  static Result<std::unique_ptr<Model>> Load(const std::filesystem::path& path,
                                             const LoadOptions& options = {});
  // For tests and tools that already hold a parsed file; a copy is taken from the file's bytes.
  static Result<std::unique_ptr<Model>> FromFile(gguf::File file, const LoadOptions& options = {});

  const Config& config() const { return config_; }
  const Weights& weights() const { return weights_; }
  const gguf::File& file() const { return file_; }
  // Bytes of the tensors the forward pass reads.
  size_t weight_bytes() const { return weights_.bytes; }
  // Bytes of the resident copy of the data section (0 when the weights are read from the map).
  size_t copied_bytes() const { return data_copy_.size(); }
  // ggml's f16 GELU table (gemma3, bert), built once per model: 65536 entries.
  const std::vector<uint16_t>& gelu_table() const { return gelu_table_; }

 private:
  Model(gguf::File file, ResidentBuffer data_copy, Config config, Weights weights);
  static Result<std::unique_ptr<Model>> Bind(gguf::File file, ResidentBuffer data_copy);

  gguf::File file_;
  ResidentBuffer data_copy_;  // empty when the weights are read in place
  Config config_;
  Weights weights_;
  std::vector<uint16_t> gelu_table_;
};

}  // namespace corral::model

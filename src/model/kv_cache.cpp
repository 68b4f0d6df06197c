#include "model/kv_cache.h"

#include <cassert>

namespace corral::model {

KvCache::KvCache(int64_t n_layer, int64_t k_width, int64_t v_width, int n_ctx, int n_seq, int block_size)
    : n_layer_(n_layer),
      k_width_(k_width),
      v_width_(v_width),
      n_ctx_(n_ctx),
      n_seq_(n_seq),
      block_size_(block_size) {
  const int per_seq = (n_ctx + block_size - 1) / block_size;
  const int n_blocks = per_seq + n_seq;
  const size_t block_rows = static_cast<size_t>(n_layer) * static_cast<size_t>(block_size);
  k_.resize(static_cast<size_t>(n_blocks) * block_rows * static_cast<size_t>(k_width));
  v_.resize(static_cast<size_t>(n_blocks) * block_rows * static_cast<size_t>(v_width));
  free_.reserve(static_cast<size_t>(n_blocks));
  for (int b = n_blocks - 1; b >= 0; --b) free_.push_back(b);
  seq_blocks_.resize(static_cast<size_t>(n_seq));
  for (auto& blocks : seq_blocks_) blocks.reserve(static_cast<size_t>(per_seq));
  length_.assign(static_cast<size_t>(n_seq), 0);
}

int KvCache::BlocksToGrow(int seq, int32_t length) const {
  const int needed = (length + block_size_ - 1) / block_size_;
  const int have = static_cast<int>(seq_blocks_[static_cast<size_t>(seq)].size());
  return needed > have ? needed - have : 0;
}

Status KvCache::Grow(int seq, int32_t length) {
  assert(length <= n_ctx_);
  if (BlocksToGrow(seq, length) > free_blocks()) {
    return Status::OutOfRange("KV cache is full (" + std::to_string(free_blocks()) + " free blocks of " +
                              std::to_string(block_size_) + " positions)");
  }
  auto& blocks = seq_blocks_[static_cast<size_t>(seq)];
  for (int n = BlocksToGrow(seq, length); n > 0; --n) {
    blocks.push_back(free_.back());
    free_.pop_back();
  }
  if (length > length_[static_cast<size_t>(seq)]) length_[static_cast<size_t>(seq)] = length;
  return Status::Ok();
}

void KvCache::Truncate(int seq, int32_t length) {
  auto& blocks = seq_blocks_[static_cast<size_t>(seq)];
  const size_t keep = static_cast<size_t>((length + block_size_ - 1) / block_size_);
  while (blocks.size() > keep) {
    free_.push_back(blocks.back());
    blocks.pop_back();
  }
  if (length < length_[static_cast<size_t>(seq)]) length_[static_cast<size_t>(seq)] = length;
}

size_t KvCache::RowOffset(int64_t layer, int seq, int32_t pos, int64_t width) const {
  const int32_t block = seq_blocks_[static_cast<size_t>(seq)][static_cast<size_t>(pos / block_size_)];
  const int64_t row = (static_cast<int64_t>(block) * n_layer_ + layer) * block_size_ + pos % block_size_;
  return static_cast<size_t>(row * width);
}

ops::KvBlocks KvCache::View(int64_t layer, int seq) const {
  ops::KvBlocks kv;
  kv.k_base = k_.data() + static_cast<size_t>(layer * block_size_ * k_width_);
  kv.v_base = v_.data() + static_cast<size_t>(layer * block_size_ * v_width_);
  kv.block_ids = seq_blocks_[static_cast<size_t>(seq)].data();
  kv.block_size = block_size_;
  kv.block_stride = n_layer_ * block_size_ * k_width_;
  kv.row_stride = k_width_;
  return kv;
}

}  // namespace corral::model

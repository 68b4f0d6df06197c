// The KV cache: keys and values in f16, in blocks of block_size positions taken from one shared pool, so a
// sequence grows a block at a time and frees its blocks without copying anything. Position p of sequence s
// lies in s's block p / block_size. A block holds every layer's rows for its positions.
//
// All memory (the pool and every sequence's block table, at its largest) is allocated by the constructor.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "tensor/ops/attention.h"

namespace corral::model {

class KvCache {
 public:
  // Room for n_ctx positions per sequence, n_seq sequences; the pool holds enough blocks for n_ctx positions
  // in total plus one partly-filled block per sequence.
  KvCache(int64_t n_layer, int64_t k_width, int64_t v_width, int n_ctx, int n_seq, int block_size);

  int n_ctx() const { return n_ctx_; }
  int n_seq() const { return n_seq_; }
  int block_size() const { return block_size_; }
  int free_blocks() const { return static_cast<int>(free_.size()); }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(uint16_t); }

  // Positions 0..length-1 of seq hold data.
  int32_t length(int seq) const { return length_[static_cast<size_t>(seq)]; }
  // Blocks seq needs to hold `length` positions, beyond those it has.
  int BlocksToGrow(int seq, int32_t length) const;
  // Grows seq to `length` positions (REQUIRES length <= n_ctx); OutOfRange when the pool is exhausted.
  Status Grow(int seq, int32_t length);
  // Keeps positions 0..length-1 of seq and returns the blocks past them to the pool.
  void Truncate(int seq, int32_t length);
  void Clear(int seq) { Truncate(seq, 0); }

  uint16_t* KRow(int64_t layer, int seq, int32_t pos) {
    return k_.data() + RowOffset(layer, seq, pos, k_width_);
  }
  uint16_t* VRow(int64_t layer, int seq, int32_t pos) {
    return v_.data() + RowOffset(layer, seq, pos, v_width_);
  }
  // The layout of one layer of one sequence, for ops::AttendHead (K and V widths must be equal).
  ops::KvBlocks View(int64_t layer, int seq) const;

 private:
  size_t RowOffset(int64_t layer, int seq, int32_t pos, int64_t width) const;

  int64_t n_layer_;
  int64_t k_width_;
  int64_t v_width_;
  int n_ctx_;
  int n_seq_;
  int block_size_;
  std::vector<uint16_t> k_;
  std::vector<uint16_t> v_;
  std::vector<int32_t> free_;                     // a stack of free block ids
  std::vector<std::vector<int32_t>> seq_blocks_;  // capacity reserved up front
  std::vector<int32_t> length_;
};

}  // namespace corral::model

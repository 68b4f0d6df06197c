// A Batch: the tokens of one forward pass, from any number of sequences. Token i sits at position pos[i] of
// sequence seq[i]; logits are computed only for the tokens with wants_logits set, in batch order.
//
//   Batch batch;
//   for (size_t i = 0; i < prompt.size(); ++i) batch.Add(prompt[i], i, /*seq=*/0, i + 1 == prompt.size());
//   CORRAL_RETURN_IF_ERROR(context.Decode(batch));
//   std::span<const float> logits = context.Logits(0);
#pragma once

#include <cstdint>
#include <vector>

namespace corral::model {

struct Batch {
  std::vector<int32_t> token;
  std::vector<int32_t> pos;
  std::vector<int32_t> seq;
  std::vector<uint8_t> wants_logits;

  void Clear() {
    token.clear();
    pos.clear();
    seq.clear();
    wants_logits.clear();
  }
  void Add(int32_t token_id, int32_t position, int32_t sequence, bool logits) {
    token.push_back(token_id);
    pos.push_back(position);
    seq.push_back(sequence);
    wants_logits.push_back(logits ? 1 : 0);
  }
  int size() const { return static_cast<int>(token.size()); }
};

}  // namespace corral::model

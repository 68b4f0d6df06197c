#include <string>

#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode_text.h"

namespace corral::tokenizer {
namespace {

constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

bool IsContinuation(uint8_t byte) {
  return (byte & 0xC0) == 0x80;
}

// Bytes a valid sequence starting with `lead` needs; 0 when `lead` cannot start one.
size_t NeededBytes(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Whether bytes [0, n) after `lead` can still continue to a valid (shortest-form, non-surrogate, <= U+10FFFF)
// character; checks the second byte's range per RFC 3629.
bool SecondByteOk(uint8_t lead, uint8_t second) {
  if (!IsContinuation(second)) return false;
  if (lead == 0xE0) return second >= 0xA0;
  if (lead == 0xED) return second <= 0x9F;
  if (lead == 0xF0) return second >= 0x90;
  if (lead == 0xF4) return second <= 0x8F;
  return true;
}

// Moves every complete character (or undecodable byte, as U+FFFD) from the front of `pending` to `out`;
// leaves an unfinished but still possible character in `pending`.
void Drain(std::string& pending, std::string& out) {
  size_t i = 0;
  while (i < pending.size()) {
    const auto lead = static_cast<uint8_t>(pending[i]);
    const size_t need = NeededBytes(lead);
    if (need == 0) {
      out += kReplacementUtf8;
      ++i;
      continue;
    }
    size_t have = 1;
    bool broken = false;
    while (have < need && i + have < pending.size()) {
      const auto byte = static_cast<uint8_t>(pending[i + have]);
      const bool ok = have == 1 ? SecondByteOk(lead, byte) : IsContinuation(byte);
      if (!ok) {
        broken = true;
        break;
      }
      ++have;
    }
    if (broken) {
      out += kReplacementUtf8;  // the bytes so far are dropped as one error; resume at the breaking byte
      i += have;
      continue;
    }
    if (have < need) break;  // unfinished: wait for more
    out.append(pending, i, need);
    i += need;
  }
  pending.erase(0, i);
}

}  // namespace

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, bool render_special)
    : tokenizer_(tokenizer), render_special_(render_special) {}

std::string StreamingDetokenizer::Push(int32_t id) {
  std::string_view piece = tokenizer_.Piece(id, render_special_);
  if (first_ && tokenizer_.IsValid(id)) {
    if (tokenizer_.add_space_prefix() && !piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    first_ = false;
  }
  pending_ += piece;
  std::string out;
  Drain(pending_, out);
  return out;
}

std::string StreamingDetokenizer::Flush() {
  std::string out;
  if (!pending_.empty()) out += kReplacementUtf8;
  pending_.clear();
  first_ = true;
  return out;
}

}  // namespace corral::tokenizer

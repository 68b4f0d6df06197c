// A context-free grammar over Unicode code points, as the GBNF parser (gbnf.h) and the JSON-schema compiler
// produce it and the Matcher runs it. Repetitions are already rewritten into plain rules, so a rule is a list
// of alternatives and an alternative a sequence of character sets and rule references.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace corral::sample::grammar {

struct Element {
  enum class Kind : uint8_t { kEnd, kChars, kRule };
  Kind kind = Kind::kEnd;
  bool negated = false;                               // kChars: matches the code points outside `ranges`
  int32_t rule = -1;                                  // kRule
  std::vector<std::pair<uint32_t, uint32_t>> ranges;  // kChars: inclusive, sorted, disjoint, not adjacent

  bool Matches(uint32_t cp) const {
    bool inside = false;
    for (const auto& [lo, hi] : ranges) {
      if (cp < lo) break;
      if (cp <= hi) {
        inside = true;
        break;
      }
    }
    return inside != negated;
  }
};

struct Grammar {
  // Every alternative of every rule, each a run of elements closed by a kEnd element.
  std::vector<Element> elements;
  std::vector<std::vector<int32_t>> alternatives;  // per rule: the index of each alternative's first element
  std::vector<std::string> rule_names;
  int32_t root = -1;
};

}  // namespace corral::sample::grammar

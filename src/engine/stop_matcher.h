// Stop strings over streamed text: Ollama's `stop` option. Text is pushed as the detokenizer releases it;
// what comes back is safe to show. A stop string is found even when its bytes arrive over several tokens,
// and no part of it is ever returned: the longest tail of the pending text that is still the beginning of
// some stop string is held back, and released as soon as the next text shows it is not one.
//
//   StopMatcher stops({"\n\n", "</answer>"});
//   std::string shown = stops.Push(text);   // may be shorter than text, or empty
//   if (stops.stopped()) ...                 // the text before the earliest stop string was returned
//   shown += stops.Flush();                  // at the end: whatever was held back
//
// Chunks stay whole UTF-8 when the input chunks are: a held tail starts where a stop string starts, and stop
// strings are whole characters. Empty stop strings are ignored. Not thread-safe; one per stream.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace corral::engine {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  // The text that can no longer be part of a stop string. After a stop string is found, returns the text
  // before it and every later call returns "".
  std::string Push(std::string_view text);
  // The held-back text (none after a stop); the matcher is then empty.
  std::string Flush();

  bool stopped() const { return stopped_; }
  // The stop string that ended the text ("" before that).
  const std::string& matched() const { return matched_; }
  bool empty() const { return stops_.empty(); }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  std::string matched_;
  bool stopped_ = false;
};

}  // namespace corral::engine

#include "template/output_parser.h"

#include "template/tool_call_syntax.h"

namespace corral::chat {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

// Length of the longest suffix of `text` that is a proper prefix of `marker`: text that may still grow
// into the marker and must be held back.
size_t PartialMarkerSuffix(std::string_view text, std::string_view marker) {
  for (size_t n = std::min(text.size(), marker.size() - 1); n > 0; --n) {
    if (marker.starts_with(text.substr(text.size() - n))) return n;
  }
  return 0;
}

}  // namespace

void OutputDelta::Append(OutputDelta&& more) {
  content += more.content;
  thinking += more.thinking;
  for (ToolCall& c : more.tool_calls) tool_calls.push_back(std::move(c));
}

OutputParser::OutputParser(OutputFormat format)
    : format_(std::move(format)),
      markers_(ToolCallMarkers(format_.tools)),
      state_(format_.starts_in_thinking ? State::kThinking : State::kStart),
      eat_whitespace_(format_.starts_in_thinking) {}

OutputDelta OutputParser::Feed(std::string_view chunk) {
  buf_ += chunk;
  OutputDelta out;
  Drain(false, out);
  return out;
}

OutputDelta OutputParser::Finish() {
  OutputDelta out;
  Drain(true, out);
  if (!buf_.empty()) {
    // Held-back text that never became a marker.
    if (state_ == State::kThinking) {
      out.thinking += buf_;
    } else {
      EmitContent(buf_, out);
    }
    buf_.clear();
  }
  return out;
}

void OutputParser::EmitContent(std::string_view text, OutputDelta& out) {
  if (text.empty()) return;
  out.content += text;
  for (char c : text) {
    if (!IsSpace(c)) {
      content_started_ = true;
      break;
    }
  }
}

void OutputParser::Drain(bool final, OutputDelta& out) {
  bool progress = true;
  while (progress) {
    switch (state_) {
      case State::kStart:
        progress = StepStart(final);
        break;
      case State::kThinking:
        progress = StepThinking(final, out);
        break;
      case State::kContent:
        progress = StepContent(final, out);
        break;
      case State::kCall:
        progress = StepCall(final, out);
        break;
    }
  }
}

// Output may open with the reasoning marker (after whitespace); anything else means no reasoning.
bool OutputParser::StepStart(bool final) {
  if (format_.think_open.empty()) {
    state_ = State::kContent;
    return true;
  }
  size_t pos = 0;
  while (pos < buf_.size() && IsSpace(buf_[pos])) ++pos;
  const std::string_view rest = std::string_view(buf_).substr(pos);
  if (rest.starts_with(format_.think_open)) {
    buf_.erase(0, pos + format_.think_open.size());
    state_ = State::kThinking;
    eat_whitespace_ = true;
    return true;
  }
  if (!final && std::string_view(format_.think_open).starts_with(rest)) return false;  // may still open
  state_ = State::kContent;
  return true;
}

bool OutputParser::StepThinking(bool final, OutputDelta& out) {
  if (eat_whitespace_) {
    size_t pos = 0;
    while (pos < buf_.size() && IsSpace(buf_[pos])) ++pos;
    buf_.erase(0, pos);
    if (buf_.empty()) return false;
    eat_whitespace_ = false;
  }
  const size_t close = buf_.find(format_.think_close);
  if (close != std::string::npos) {
    out.thinking += buf_.substr(0, close);
    buf_.erase(0, close + format_.think_close.size());
    state_ = State::kContent;
    eat_whitespace_ = true;
    return true;
  }
  const size_t hold = final ? 0 : PartialMarkerSuffix(buf_, format_.think_close);
  out.thinking += buf_.substr(0, buf_.size() - hold);
  buf_.erase(0, buf_.size() - hold);
  return false;
}

bool OutputParser::StepContent(bool final, OutputDelta& out) {
  if (eat_whitespace_) {
    size_t pos = 0;
    while (pos < buf_.size() && IsSpace(buf_[pos])) ++pos;
    buf_.erase(0, pos);
    if (buf_.empty()) return false;
    eat_whitespace_ = false;
  }
  if (buf_.empty()) return false;
  // Llama 3.x writes a call as the whole answer: a JSON object where the content would begin.
  if (format_.tools == ToolCallSyntax::kLlamaJson && !content_started_) {
    size_t pos = 0;
    while (pos < buf_.size() && IsSpace(buf_[pos])) ++pos;
    if (pos == buf_.size()) {
      if (!final) return false;  // only whitespace so far: what follows decides
    } else if (buf_[pos] == '{') {
      call_marker_.clear();
      state_ = State::kCall;
      return true;
    }
  }
  size_t first = std::string::npos;
  const std::string* which = nullptr;
  for (const std::string& m : markers_) {
    const size_t at = buf_.find(m);
    if (at < first) {
      first = at;
      which = &m;
    }
  }
  if (which != nullptr) {
    EmitContent(std::string_view(buf_).substr(0, first), out);
    call_marker_ = *which;
    buf_.erase(0, first + which->size());
    state_ = State::kCall;
    return true;
  }
  size_t hold = 0;
  if (!final) {
    for (const std::string& m : markers_) hold = std::max(hold, PartialMarkerSuffix(buf_, m));
  }
  EmitContent(std::string_view(buf_).substr(0, buf_.size() - hold), out);
  buf_.erase(0, buf_.size() - hold);
  return false;
}

bool OutputParser::StepCall(bool final, OutputDelta& out) {
  CallParse parse = ParseToolCalls(format_.tools, call_marker_, buf_, final);
  switch (parse.status) {
    case CallParse::Status::kNeedMore:
      return false;
    case CallParse::Status::kDone:
      for (ToolCall& call : parse.calls) {
        call.index = next_index_++;
        out.tool_calls.push_back(std::move(call));
      }
      content_started_ = true;  // a bare JSON object after a call is content, not another leading call
      // A Llama 3.x call is the whole answer: the whitespace a model writes after the object says nothing.
      if (format_.tools == ToolCallSyntax::kLlamaJson) eat_whitespace_ = true;
      break;
    case CallParse::Status::kInvalid:
      // Not a call after all: the marker and the text it claimed are content.
      EmitContent(call_marker_ + buf_.substr(0, parse.consumed), out);
      content_started_ = true;
      break;
  }
  buf_.erase(0, parse.consumed);
  call_marker_.clear();
  state_ = State::kContent;
  return true;
}

}  // namespace corral::chat

#include "store/modelfile.h"

#include <cctype>

namespace corral::store {
namespace {

bool IsAlpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t';
}
bool IsNewline(char c) {
  return c == '\r' || c == '\n';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsCommand(const std::string& word) {
  for (const char* known : {"from", "license", "template", "system", "adapter", "draft", "renderer", "parser",
                            "parameter", "message", "requires"}) {
    if (word == known) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsSpace(s.front()) || IsNewline(s.front()))) s.remove_prefix(1);
  while (!s.empty() && (IsSpace(s.back()) || IsNewline(s.back()))) s.remove_suffix(1);
  return s;
}

// Ollama's unquote: the text inside """...""" or "...", a bare value as it is; false while a quote is open.
bool Unquote(std::string_view s, std::string* out) {
  if (s.starts_with("\"\"\"")) {
    if (s.size() >= 6 && s.ends_with("\"\"\"")) {
      *out = std::string(s.substr(3, s.size() - 6));
      return true;
    }
    return false;
  }
  if (s.starts_with("\"")) {
    if (s.size() >= 2 && s.ends_with("\"")) {
      *out = std::string(s.substr(1, s.size() - 2));
      return true;
    }
    return false;
  }
  *out = std::string(s);
  return true;
}

// REQUIRES takes a semantic version: MAJOR[.MINOR[.PATCH]] with an optional leading "v", optional
// -prerelease and +build (golang.org/x/mod/semver's IsValid, which Ollama uses).
bool IsSemver(std::string_view v) {
  if (v.starts_with("v")) v.remove_prefix(1);
  const size_t meta = v.find_first_of("-+");
  const std::string_view core = v.substr(0, meta);
  int parts = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = core.find('.', start);
    const std::string_view num =
        core.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (num.empty() || (num.size() > 1 && num[0] == '0')) return false;
    for (char c : num) {
      if (!IsDigit(c)) return false;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts > 3) return false;
  if (meta != std::string_view::npos && parts != 3) return false;
  return true;
}

Status LineError(int line, const std::string& message) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + message);
}

// Ollama writes a value in quotes when it spans lines or starts/ends with a space, and in triple quotes
// when it also holds a quote character.
std::string Quote(const std::string& s) {
  if (s.find('\n') != std::string::npos || s.starts_with(" ") || s.ends_with(" ")) {
    if (s.find('"') != std::string::npos) return "\"\"\"" + s + "\"\"\"";
    return "\"" + s + "\"";
  }
  return s;
}

}  // namespace

Result<Modelfile> ParseModelfile(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
  Modelfile file;
  size_t i = 0;
  int line = 1;
  const auto advance = [&]() {
    if (text[i] == '\n') ++line;
    ++i;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (IsSpace(c) || IsNewline(c)) {
      advance();
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') advance();
      continue;
    }
    // The command word.
    const int start_line = line;
    const size_t word_start = i;
    while (i < text.size() && IsAlpha(text[i])) advance();
    const std::string word = Lower(text.substr(word_start, i - word_start));
    if (i >= text.size() || !IsSpace(text[i]) || !IsCommand(word)) {
      if (word.empty() || IsCommand(word)) {
        return LineError(line, word.empty() ? "expected a command" : "expected a value after " + word);
      }
      return LineError(line,
                       "unknown command '" + std::string(text.substr(word_start, i - word_start)) +
                           "': command must be one of \"from\", \"license\", \"template\", \"system\", "
                           "\"adapter\", \"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", "
                           "or \"requires\"");
    }
    ModelfileCommand command;
    command.line = start_line;
    command.name = word == "from" ? "model" : word;
    std::string role;
    while (i < text.size() && IsSpace(text[i])) advance();
    if (word == "parameter" || word == "message") {
      const size_t name_start = i;
      while (i < text.size() &&
             (IsAlpha(text[i]) || (word == "parameter" && (IsDigit(text[i]) || text[i] == '_'))))
        advance();
      const std::string name(text.substr(name_start, i - name_start));
      if (name.empty() || i >= text.size() || !IsSpace(text[i])) {
        return LineError(line, word == "parameter" ? "PARAMETER needs a name and a value"
                                                   : "MESSAGE needs a role and a message");
      }
      if (word == "parameter") {
        command.name = name;
      } else {
        if (name != "system" && name != "user" && name != "assistant") {
          return LineError(line, "message role must be one of \"system\", \"user\", or \"assistant\"");
        }
        role = name;
      }
      while (i < text.size() && IsSpace(text[i])) advance();
    }
    // The value: up to a line end where what was read is complete (an open quote runs on over lines).
    const size_t value_start = i;
    std::string value;
    bool done = false;
    while (!done) {
      size_t end = i;
      while (end < text.size() && !IsNewline(text[end])) ++end;
      while (i < end) advance();
      if (Unquote(Trim(text.substr(value_start, i - value_start)), &value)) {
        done = true;
      } else if (i >= text.size()) {
        return LineError(start_line, "unterminated quoted value (a \"\"\" or \" is not closed)");
      } else {
        advance();  // the line end belongs to the value
      }
    }
    if (!role.empty()) value = role + ": " + value;
    command.args = std::move(value);
    if (word == "requires") {
      if (!IsSemver(command.args))
        return LineError(start_line, "requires must be a valid semver (e.g. 0.14.0)");
      if (command.args.starts_with("v")) command.args.erase(0, 1);
    }
    file.commands.push_back(std::move(command));
  }
  for (const ModelfileCommand& c : file.commands) {
    if (c.name == "model") return file;
  }
  return Status::InvalidArgument("no FROM line");
}

std::string FormatModelfileCommand(const ModelfileCommand& c) {
  if (c.name == "model") return "FROM " + c.args;
  if (c.name == "message") {
    const size_t colon = c.args.find(": ");
    const std::string role = colon == std::string::npos ? c.args : c.args.substr(0, colon);
    const std::string message = colon == std::string::npos ? "" : c.args.substr(colon + 2);
    return "MESSAGE " + role + " " + Quote(message);
  }
  for (const char* word :
       {"license", "template", "system", "adapter", "renderer", "parser", "requires", "draft"}) {
    if (c.name == word) {
      std::string upper(word);
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      return upper + " " + Quote(c.args);
    }
  }
  return "PARAMETER " + c.name + " " + Quote(c.args);
}

}  // namespace corral::store

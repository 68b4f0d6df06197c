#include "template/chat_types.h"

namespace corral::chat {

std::string Message::Text() const {
  if (parts.empty()) return content;
  std::string text;
  for (const ContentPart& part : parts) {
    if (part.type == ContentPart::Type::kText) text += part.text;
  }
  return text;
}

Think Think::Level(std::string level) {
  // api.ThinkValue.Bool: only the known levels turn thinking on.
  const bool on = level == "high" || level == "medium" || level == "low" || level == "max";
  return {true, on, std::move(level)};
}

}  // namespace corral::chat

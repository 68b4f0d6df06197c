#include "template/go/ollama.h"

#include <cctype>

#include "template/go/ollama_values.h"

namespace corral::gotmpl {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void CollectIdentifiers(const NodeList& list, std::set<std::string>& into);

// Ollama's template.Identifiers: the names of fields and variables in pipelines. Like Ollama, it looks
// into parenthesized pipelines but not into ones with fields chained on them ((pipe).X).
void CollectPipeline(const Pipeline& pipe, std::set<std::string>& into) {
  for (const Command& cmd : pipe.commands) {
    for (const Operand& op : cmd.args) {
      if (op.type == Operand::Type::kField) {
        for (const std::string& f : op.chain) into.insert(Lower(f));
      } else if (op.type == Operand::Type::kVariable) {
        into.insert(Lower(op.name));
        for (const std::string& f : op.chain) into.insert(Lower(f));
      } else if (op.type == Operand::Type::kPipeline && op.chain.empty()) {
        CollectPipeline(*op.pipeline, into);
      }
    }
  }
}

void CollectIdentifiers(const NodeList& list, std::set<std::string>& into) {
  for (const Node& node : list) {
    if (node.pipeline) CollectPipeline(*node.pipeline, into);
    if (node.list) CollectIdentifiers(*node.list, into);
    if (node.else_list) CollectIdentifiers(*node.else_list, into);
  }
}

// Only a field node counts ($.Response is a variable node to Ollama's predicate).
bool MentionsResponse(const Operand& op) {
  if (op.type != Operand::Type::kField) return false;
  for (const std::string& f : op.chain) {
    if (f == "Response") return true;
  }
  return false;
}

// Ollama's deleteNode with its predicate: every node visited after the first field naming Response is
// dropped (the field itself stays). Lists and action pipelines are visited; if/range/with conditions are
// not. Returns false where Ollama's walk would panic (a cut that empties an {{else}} branch).
bool CutList(NodeList& list, bool& cut);

bool CutPipeline(Pipeline& pipe, bool& cut) {
  std::vector<Command> kept;
  for (Command& cmd : pipe.commands) {
    std::vector<Operand> args;
    for (Operand& op : cmd.args) {
      if (cut) continue;
      if (MentionsResponse(op)) cut = true;
      if (op.type == Operand::Type::kPipeline && op.chain.empty()) {
        // A parenthesized pipeline is walked too; one that empties is dropped as an argument.
        auto inner = std::make_shared<Pipeline>(*op.pipeline);
        if (!CutPipeline(*inner, cut)) continue;
        op.pipeline = inner;
      }
      args.push_back(std::move(op));
    }
    if (args.empty()) return false;  // Ollama drops the whole pipeline once a command empties
    cmd.args = std::move(args);
    kept.push_back(std::move(cmd));
  }
  pipe.commands = std::move(kept);
  return !pipe.commands.empty();
}

bool CutList(NodeList& list, bool& cut) {
  NodeList kept;
  for (Node& node : list) {
    if (cut) continue;
    switch (node.type) {
      case Node::Type::kAction: {
        auto pipe = std::make_shared<Pipeline>(*node.pipeline);
        if (!CutPipeline(*pipe, cut)) continue;
        node.pipeline = pipe;
        break;
      }
      case Node::Type::kIf:
      case Node::Type::kRange:
      case Node::Type::kWith: {
        auto body = std::make_shared<NodeList>(*node.list);
        if (!CutList(*body, cut)) return false;
        node.list = body;
        if (node.else_list) {
          if (cut) return false;  // Ollama: walk(ElseList) returns nil and the type assertion panics
          auto else_body = std::make_shared<NodeList>(*node.else_list);
          if (!CutList(*else_body, cut)) return false;
          node.else_list = else_body;
        }
        break;
      }
      default:
        break;
    }
    kept.push_back(std::move(node));
  }
  list = std::move(kept);
  return true;
}

struct Collated {
  std::string system;
  std::vector<chat::Message> messages;
};

// server/prompt.go imageTaggedMessages, then template.go collate.
Collated Collate(const std::vector<chat::Message>& input) {
  Collated out;
  int image_id = 0;
  bool first_system = true;
  for (const chat::Message& original : input) {
    chat::Message m = original;
    m.content = m.Text();
    m.parts.clear();
    for (char& c : m.role) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string prefix;
    for (size_t k = 0; k < m.images.size(); ++k) {
      const std::string tag = "[img-" + std::to_string(image_id++) + "]";
      const size_t at = m.content.find("[img]");
      if (at == std::string::npos) {
        prefix += tag;
      } else {
        m.content.replace(at, 5, tag);
      }
    }
    m.content = prefix + m.content;
    if (m.role == "system") {
      out.system += (first_system ? "" : "\n\n") + m.content;
      first_system = false;
    }
    if (!out.messages.empty() && out.messages.back().role == m.role && m.role != "tool") {
      out.messages.back().content += "\n\n" + m.content;
    } else {
      out.messages.push_back(std::move(m));
    }
  }
  return out;
}

Value Data(std::vector<std::pair<std::string, Value>> entries) {
  return Value::Map(std::move(entries));
}

}  // namespace

Result<OllamaTemplate> OllamaTemplate::Parse(std::string_view source) {
  CORRAL_ASSIGN_OR_RETURN(Template parsed, Template::Parse(source));
  Program program = parsed.program();
  std::set<std::string> vars;
  CollectIdentifiers(program.root, vars);
  for (const auto& [name, body] : program.defined) CollectIdentifiers(*body, vars);
  if (!vars.contains("messages") && !vars.contains("response")) {
    // template.go Parse: a template without .Messages or .Response gets {{ .Response }} appended.
    auto pipe = std::make_shared<Pipeline>();
    Operand response;
    response.type = Operand::Type::kField;
    response.chain = {"Response"};
    pipe->commands.push_back({{response}, 0});
    program.root.push_back({Node::Type::kAction, 0, "", pipe, nullptr, nullptr});
    vars.insert("response");
  }
  // The last legacy turn runs a copy cut after .Response, made without the defined templates (Ollama
  // builds it with template.New("").AddParseTree, which carries none).
  std::optional<Template> last_turn;
  Program cut_program;
  cut_program.root = program.root;
  bool cut = false;
  if (CutList(cut_program.root, cut)) last_turn = Template::FromProgram(std::move(cut_program));
  return OllamaTemplate(Template::FromProgram(std::move(program)), std::move(last_turn), std::move(vars));
}

Result<std::string> OllamaTemplate::Render(const chat::Request& request, const ExecOptions& options) const {
  ExecOptions exec = options;
  if (request.now) exec.now = request.now;
  const Value think = Value::Bool(request.think.enabled);
  const Value level = Value::String(request.think.level);
  const Value think_set = Value::Bool(request.think.set);
  if (!request.fim_prompt.empty() && !request.fim_suffix.empty()) {
    return tpl_.Execute(Data({{"Prompt", Value::String(request.fim_prompt)},
                              {"Suffix", Value::String(request.fim_suffix)},
                              {"Response", Value::String("")},
                              {"Think", think},
                              {"ThinkLevel", level},
                              {"IsThinkSet", think_set}}),
                        exec);
  }
  Collated collated = Collate(request.messages);
  if (UsesMessages()) {
    return tpl_.Execute(Data({{"System", Value::String(collated.system)},
                              {"Messages", OllamaMessages(collated.messages)},
                              {"Tools", OllamaTools(request.tools)},
                              {"Response", Value::String("")},
                              {"Think", think},
                              {"ThinkLevel", level},
                              {"IsThinkSet", think_set}}),
                        exec);
  }
  return RenderLegacy(collated.messages, think, level, think_set, exec);
}

Result<std::string> OllamaTemplate::RenderLegacy(const std::vector<chat::Message>& messages,
                                                 const Value& think, const Value& level,
                                                 const Value& think_set, const ExecOptions& options) const {
  std::string out;
  std::string system, prompt, response;
  auto data = [&] {
    return Data({{"System", Value::String(system)},
                 {"Prompt", Value::String(prompt)},
                 {"Response", Value::String(response)},
                 {"Think", think},
                 {"ThinkLevel", level},
                 {"IsThinkSet", think_set}});
  };
  auto flush = [&]() -> Status {
    CORRAL_ASSIGN_OR_RETURN(std::string turn, tpl_.Execute(data(), options));
    out += turn;
    system.clear();
    prompt.clear();
    response.clear();
    return Status::Ok();
  };
  // One execution per turn: a system message or a user message closes the turn before it when that turn
  // has content; tool messages have no place in a legacy template.
  for (const chat::Message& m : messages) {
    if (m.role == "system") {
      if (!prompt.empty() || !response.empty()) CORRAL_RETURN_IF_ERROR(flush());
      system = m.content;
    } else if (m.role == "user") {
      if (!response.empty()) CORRAL_RETURN_IF_ERROR(flush());
      prompt = m.content;
    } else if (m.role == "assistant") {
      response = m.content;
    }
  }
  if (!last_turn_) {
    return Status::InvalidArgument(
        "cannot cut the template after .Response: it ends inside an {{else}} branch");
  }
  CORRAL_ASSIGN_OR_RETURN(std::string last, last_turn_->Execute(data(), options));
  return out + last;
}

}  // namespace corral::gotmpl

// `corral show NAME [--modelfile | --parameters | --template | --system | --license] [-v]`: what `ollama
// show` prints for a model in the store. Without a flag: the Model table (architecture, parameters, context
// length, embedding length, quantization, requires), Capabilities, Parameters, System and License (first two
// lines each); --verbose adds every GGUF metadata entry and the tensors. --modelfile prints a Modelfile that
// recreates the model (FROM the weights blob; TEMPLATE only when the model has one, so `corral create` from
// it gives the same layers), --template the Go template (or the GGUF's Jinja template when it has none).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "cli/commands.h"
#include "cli/text_table.h"
#include "gguf/file.h"
#include "store/model_config.h"
#include "store/model_info.h"
#include "store/modelfile.h"
#include "store/params.h"
#include "store/store.h"

namespace corral::cli {
namespace {

struct ShowArgs {
  std::string name;
  bool modelfile = false;
  bool parameters = false;
  bool template_text = false;
  bool system = false;
  bool license = false;
  bool verbose = false;
};

// Ollama's `head`: the first n non-empty trimmed lines, then "..." when there are more.
std::vector<std::vector<std::string>> Head(const std::string& text, int n) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const size_t e = line.find_last_not_of(" \t\r");
    if (++count <= n) rows.push_back({"", line.substr(b, e - b + 1)});
  }
  if (count > n) rows.push_back({"", "..."});
  return rows;
}

// A metadata value as Ollama's verbose table shows it: scalars as they are, arrays as their first items
// and a count of the rest.
std::string ValueText(const gguf::Value& v) {
  if (const gguf::Array* array = v.AsArray()) {
    std::string out = "[";
    const size_t shown = std::min<size_t>(array->size(), 3);
    for (size_t i = 0; i < shown; ++i) out += (i > 0 ? " " : "") + ValueText(array->at(i));
    if (shown < array->size()) out += " ...+" + std::to_string(array->size() - shown) + " more";
    return out + "]";
  }
  if (auto s = v.AsString()) return std::string(*s);
  if (v.type() == gguf::ValueType::kBool) return *v.AsBool() ? "true" : "false";
  if (v.type() == gguf::ValueType::kF32 || v.type() == gguf::ValueType::kF64) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%g", *v.AsF64());
    return buf;
  }
  if (auto i = v.AsI64()) return std::to_string(*i);
  if (auto u = v.AsU64()) return std::to_string(*u);
  return "?";
}

void Section(std::string& out, const char* header, const std::vector<std::vector<std::string>>& rows) {
  out += std::string("  ") + header + "\n" + FormatTable(rows) + "\n";
}

int Show(const ShowArgs& args) {
  const auto fail = [](const std::string& message) {
    std::fprintf(stderr, "corral: %s\n", message.c_str());
    return 1;
  };
  const int chosen = args.modelfile + args.parameters + args.template_text + args.system + args.license;
  if (chosen > 1)
    return fail("only one of --license, --modelfile, --parameters, --system, --template can be given");
  Result<store::Store> opened = store::Store::Open(store::DefaultStoreRoot());
  if (!opened.ok()) return fail(opened.status().ToString());
  Result<store::ModelInfo> loaded = store::ReadModelInfo(*opened, args.name);
  if (!loaded.ok()) return fail(loaded.status().message());
  const store::ModelInfo& m = *loaded;
  Result<gguf::File> file = gguf::File::Open(m.model_path);
  if (!file.ok()) return fail(file.status().ToString());

  if (args.modelfile) return std::fputs(store::RegeneratedModelfile(m).c_str(), stdout) < 0;
  if (args.parameters) return std::printf("%s\n", store::ParametersText(m.params).c_str()) < 0;
  if (args.system) return std::printf("%s\n", m.system.c_str()) < 0;
  if (args.license) {
    std::string all;
    for (const std::string& l : m.licenses) all += (all.empty() ? "" : "\n") + l;
    return std::printf("%s\n", all.c_str()) < 0;
  }
  if (args.template_text) {
    std::string tpl = m.template_text;
    if (!m.has_template) {
      Result<std::string_view> jinja = file->GetString("tokenizer.chat_template");
      tpl = jinja.ok() ? std::string(*jinja) : "{{ .Prompt }}";  // Ollama's default template
    }
    return std::printf("%s\n", tpl.c_str()) < 0;
  }

  const std::string arch(file->GetStringOr("general.architecture", "").value());
  std::vector<std::vector<std::string>> model_rows;
  model_rows.push_back({"", "architecture", arch});
  model_rows.push_back(
      {"", "parameters",
       m.config.model_type.empty() ? store::HumanNumber(store::ParameterCount(*file)) : m.config.model_type});
  for (const auto& [key, label] :
       {std::pair{".context_length", "context length"}, std::pair{".embedding_length", "embedding length"}}) {
    Result<uint64_t> v = file->GetU64(arch + key);
    if (v.ok()) model_rows.push_back({"", label, std::to_string(*v)});
  }
  model_rows.push_back({"", "quantization", m.config.file_type});
  if (!m.config.requires_version.empty()) model_rows.push_back({"", "requires", m.config.requires_version});
  std::string out;
  Section(out, "Model", model_rows);
  std::vector<std::vector<std::string>> cap_rows;
  for (const std::string& c : store::Capabilities(m, *file, arch)) cap_rows.push_back({"", c});
  Section(out, "Capabilities", cap_rows);
  if (!m.params.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [key, value] : m.params) {
      for (const std::string& v : store::ParamGoSyntax(value)) rows.push_back({"", key, v});
    }
    Section(out, "Parameters", rows);
  }
  if (args.verbose) {
    std::vector<std::vector<std::string>> rows;
    std::map<std::string, std::string> sorted;
    for (const gguf::KeyValue& kv : file->metadata()) {
      if (kv.key == "general.name" || kv.key == "tokenizer.chat_template") continue;
      sorted[std::string(kv.key)] = ValueText(kv.value);
    }
    for (const auto& [k, v] : sorted) rows.push_back({"", k, v});
    Section(out, "Metadata", rows);
    rows.clear();
    for (const gguf::TensorInfo& t : file->tensors()) {
      rows.push_back({"", std::string(t.name), std::string(DTypeName(t.type)), t.shape.ToString()});
    }
    Section(out, "Tensors", rows);
  }
  if (!m.system.empty()) Section(out, "System", Head(m.system, 2));
  std::string licenses;
  for (const std::string& l : m.licenses) licenses += (licenses.empty() ? "" : "\n") + l;
  if (!licenses.empty()) Section(out, "License", Head(licenses, 2));
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace

void RegisterShowCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ShowArgs>();
  CLI::App* cmd = app.add_subcommand("show", "Show information about a model in the store");
  cmd->add_option("NAME", args->name, "model name")->required();
  cmd->add_flag("--modelfile", args->modelfile, "print the Modelfile that recreates the model");
  cmd->add_flag("--parameters", args->parameters, "print the model's parameters");
  cmd->add_flag("--template", args->template_text, "print the model's template");
  cmd->add_flag("--system", args->system, "print the model's system message");
  cmd->add_flag("--license", args->license, "print the model's license");
  cmd->add_flag("-v,--verbose", args->verbose, "also print the GGUF metadata and tensors");
  cmd->callback([args, &exit_code] { exit_code = Show(*args); });
}

}  // namespace corral::cli

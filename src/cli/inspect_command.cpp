// `corral inspect FILE.gguf [--json] [--full]`: what is inside a GGUF file — its metadata in file order, the
// tensor table and totals (tensor count, bytes, parameters, bits per weight over all tensors).
//
// Text output summarises for reading: arrays show their element type, length and first few elements
// (`[str × 128256] "!", "\"", "#", ...`), strings longer than a line are cut with their full length noted.
// --json prints one JSON document: strings in full; arrays as {element_type, length, head: first 8 elements}
// unless --full, which prints every element. A missing or corrupt file prints exactly one line on stderr
// ("corral: FILE: corrupt: ...") and exits with status 1.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "gguf/file.h"

namespace corral::cli {
namespace {

using gguf::Array;
using gguf::File;
using gguf::Value;
using gguf::ValueType;

constexpr size_t kTextStringBytes = 72;     // longer strings are cut in text output
constexpr size_t kTextElementBytes = 24;    // ... and strings inside arrays even shorter
constexpr size_t kTextShortArray = 8;       // arrays up to this length are printed whole
constexpr size_t kTextPreviewElements = 3;  // longer ones show this many elements
constexpr size_t kJsonHeadElements = 8;

struct Options {
  std::string path;
  bool json = false;
  bool full = false;
};

// Shortest text that reads back as the same float (std::to_chars round-trip guarantee); plain digits for
// everyday magnitudes (rope bases of 500000 read better than 5e+05), exponents only for extremes.
template <typename F>
std::string FormatFloat(F v) {
  char buf[512];
  const F magnitude = v < 0 ? -v : v;
  const bool plain = magnitude == 0 || (magnitude >= F(1e-5) && magnitude < F(1e16));
  const auto result = plain ? std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed)
                            : std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, result.ptr);
}

// A JSON-style quoted string, escaped so control bytes and quotes stay on one line; cut after max_bytes.
std::string QuoteText(std::string_view s, size_t max_bytes) {
  std::string out = "\"";
  size_t n = std::min(s.size(), max_bytes);
  // Cut at a UTF-8 character boundary: never between a lead byte and its continuation bytes.
  while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\x%02x", c);
          out += hex;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  if (s.size() > max_bytes) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::string FormatScalar(const Value& v, size_t max_string_bytes) {
  switch (v.type()) {
    case ValueType::kF32:
      return FormatFloat(*v.AsF32());
    case ValueType::kF64:
      return FormatFloat(*v.AsF64());
    case ValueType::kBool:
      return *v.AsBool() ? "true" : "false";
    case ValueType::kString:
      return QuoteText(*v.AsString(), max_string_bytes);
    case ValueType::kArray:
      return "";
    default:
      return v.AsI64() ? std::to_string(*v.AsI64()) : std::to_string(*v.AsU64());
  }
}

std::string ArrayLabel(const Array& a) {
  return "[" + std::string(gguf::ValueTypeName(a.element_type())) + " × " + std::to_string(a.size()) + "]";
}

std::string FormatArray(const Array& a) {
  std::string out = ArrayLabel(a);
  const size_t shown = a.size() <= kTextShortArray ? a.size() : kTextPreviewElements;
  for (size_t i = 0; i < shown; ++i) {
    out += i == 0 ? " " : ", ";
    const Value e = a.at(i);
    out += e.type() == ValueType::kArray ? ArrayLabel(*e.AsArray()) : FormatScalar(e, kTextElementBytes);
  }
  if (shown < a.size()) out += ", ...";
  return out;
}

std::string FormatValue(const Value& v) {
  return v.type() == ValueType::kArray ? FormatArray(*v.AsArray()) : FormatScalar(v, kTextStringBytes);
}

// "1.5 MiB" style, for totals.
std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), unit == 0 ? "%.0f %s" : "%.1f %s", v, units[unit]);
  return buf;
}

struct Totals {
  uint64_t bytes = 0;
  uint64_t parameters = 0;
  double bits_per_weight() const {
    return parameters == 0 ? 0.0 : 8.0 * static_cast<double>(bytes) / parameters;
  }
};

Totals SumTensors(const File& file) {
  Totals t;
  for (const gguf::TensorInfo& info : file.tensors()) {
    t.bytes += info.bytes;
    t.parameters += static_cast<uint64_t>(info.shape.elements());
  }
  return t;
}

void PrintText(const File& file, const std::string& path) {
  std::printf("%s: GGUF v%u, %llu bytes, alignment %u, data at byte %llu\n", path.c_str(), file.version(),
              static_cast<unsigned long long>(file.file_size()), file.alignment(),
              static_cast<unsigned long long>(file.data_offset()));

  std::printf("\nmetadata (%zu):\n", file.metadata().size());
  size_t key_width = 0;
  for (const gguf::KeyValue& kv : file.metadata()) key_width = std::max(key_width, kv.key.size());
  for (const gguf::KeyValue& kv : file.metadata()) {
    const std::string type(gguf::ValueTypeName(kv.value.type()));
    std::printf("  %-*.*s  %-4s  %s\n", static_cast<int>(key_width), static_cast<int>(kv.key.size()),
                kv.key.data(), type.c_str(), FormatValue(kv.value).c_str());
  }

  std::printf("\ntensors (%zu):\n", file.tensors().size());
  if (!file.tensors().empty()) {
    size_t name_width = 4;
    size_t shape_width = 5;
    for (const gguf::TensorInfo& t : file.tensors()) {
      name_width = std::max(name_width, t.name.size());
      shape_width = std::max(shape_width, t.shape.ToString().size());
    }
    std::printf("  %-*s  %-7s  %-*s  %12s\n", static_cast<int>(name_width), "name", "type",
                static_cast<int>(shape_width), "shape", "bytes");
    for (const gguf::TensorInfo& t : file.tensors()) {
      const std::string type(DTypeName(t.type));
      std::printf("  %-*.*s  %-7s  %-*s  %12llu\n", static_cast<int>(name_width),
                  static_cast<int>(t.name.size()), t.name.data(), type.c_str(), static_cast<int>(shape_width),
                  t.shape.ToString().c_str(), static_cast<unsigned long long>(t.bytes));
    }
  }

  const Totals totals = SumTensors(file);
  std::printf("\ntotals: %zu tensors, %llu bytes (%s), %llu parameters, %.2f bits per weight\n",
              file.tensors().size(), static_cast<unsigned long long>(totals.bytes),
              HumanBytes(totals.bytes).c_str(), static_cast<unsigned long long>(totals.parameters),
              totals.bits_per_weight());
}

nlohmann::ordered_json JsonValue(const Value& v, bool full);

nlohmann::ordered_json JsonArray(const Array& a, bool full) {
  nlohmann::ordered_json out;
  out["element_type"] = std::string(gguf::ValueTypeName(a.element_type()));
  out["length"] = a.size();
  nlohmann::ordered_json elements = nlohmann::ordered_json::array();
  const size_t shown = full ? a.size() : std::min(a.size(), kJsonHeadElements);
  for (size_t i = 0; i < shown; ++i) elements.push_back(JsonValue(a.at(i), full));
  out[full ? "value" : "head"] = std::move(elements);
  return out;
}

nlohmann::ordered_json JsonValue(const Value& v, bool full) {
  switch (v.type()) {
    case ValueType::kF32:
      return *v.AsF32();
    case ValueType::kF64:
      return *v.AsF64();
    case ValueType::kBool:
      return *v.AsBool();
    case ValueType::kString:
      return std::string(*v.AsString());
    case ValueType::kArray:
      return JsonArray(*v.AsArray(), full);
    default:
      return v.AsI64() ? nlohmann::ordered_json(*v.AsI64()) : nlohmann::ordered_json(*v.AsU64());
  }
}

void PrintJson(const File& file, const std::string& path, bool full) {
  nlohmann::ordered_json doc;
  doc["file"] = path;
  doc["file_bytes"] = file.file_size();
  doc["version"] = file.version();
  doc["alignment"] = file.alignment();
  doc["data_offset"] = file.data_offset();
  nlohmann::ordered_json metadata = nlohmann::ordered_json::array();
  for (const gguf::KeyValue& kv : file.metadata()) {
    nlohmann::ordered_json entry;
    entry["key"] = std::string(kv.key);
    entry["type"] = std::string(gguf::ValueTypeName(kv.value.type()));
    if (kv.value.type() == ValueType::kArray) {
      entry.update(JsonArray(*kv.value.AsArray(), full));
    } else {
      entry["value"] = JsonValue(kv.value, full);
    }
    metadata.push_back(std::move(entry));
  }
  doc["metadata"] = std::move(metadata);
  nlohmann::ordered_json tensors = nlohmann::ordered_json::array();
  for (const gguf::TensorInfo& t : file.tensors()) {
    nlohmann::ordered_json entry;
    entry["name"] = std::string(t.name);
    entry["type"] = std::string(DTypeName(t.type));
    entry["shape"] = std::vector<int64_t>(t.shape.ne.begin(), t.shape.ne.begin() + t.shape.n_dims);
    entry["offset"] = t.offset;
    entry["bytes"] = t.bytes;
    tensors.push_back(std::move(entry));
  }
  doc["tensors"] = std::move(tensors);
  const Totals totals = SumTensors(file);
  doc["totals"] = {{"tensors", file.tensors().size()},
                   {"bytes", totals.bytes},
                   {"parameters", totals.parameters},
                   {"bits_per_weight", totals.bits_per_weight()}};
  // GGUF strings are meant to be UTF-8 but nothing enforces it; invalid bytes become U+FFFD, not an error.
  const std::string text = doc.dump(1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::printf("%s\n", text.c_str());
}

// "corral: model.gguf: corrupt: tensor 'x' ends at byte ..." — the path once, then the kind, then the detail.
void PrintError(const std::string& path, const Status& status) {
  std::string detail = status.message();
  const std::string prefix = path + ": ";
  if (detail.starts_with(prefix)) detail.erase(0, prefix.size());
  std::fprintf(stderr, "corral: %s: %s: %s\n", path.c_str(),
               std::string(StatusCodeName(status.code())).c_str(), detail.c_str());
}

int RunInspect(const Options& options) {
  Result<File> file = File::Open(options.path);
  if (!file.ok()) {
    PrintError(options.path, file.status());
    return 1;
  }
  if (options.json) {
    PrintJson(*file, options.path, options.full);
  } else {
    PrintText(*file, options.path);
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

void RegisterInspectCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("inspect", "Show a GGUF file's metadata, tensors and totals");
  cmd->add_option("file", options->path, "GGUF file")->required();
  cmd->add_flag("--json", options->json, "Print one JSON document (arrays as length + first elements)");
  cmd->add_flag("--full", options->full, "With --json: print every array element");
  cmd->callback([options, &exit_code] { exit_code = RunInspect(*options); });
}

}  // namespace corral::cli

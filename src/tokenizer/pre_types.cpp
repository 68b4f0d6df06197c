#include "tokenizer/pre_types.h"

#include <initializer_list>

namespace corral::tokenizer {
namespace {

// The regexes below are the Hugging Face pre-tokenizer patterns in the spelling llama.cpp uses (it rewrites
// (?i:'s|...) as (?:'[sS]|...), which also keeps a caseless 'ſ' from matching 's').
constexpr std::string_view kContractions = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
constexpr std::string_view kGpt2 =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

std::string Llama3() {
  return std::string(kContractions) +
         "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
         "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
}
std::string Qwen2() {
  return std::string(kContractions) +
         "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
         "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
}
std::string Qwen35() {
  return std::string(kContractions) +
         "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| "
         "?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
}
// Tekken / GPT-4o: "an upper-case run then a lower-case run", where llama.cpp writes \p{Lu} as "a letter that
// is not a-z" and \p{Ll} as "a letter that is not A-Z" (its std::regex path cannot tell cases apart beyond
// ASCII, so neither may we).
constexpr std::string_view kCaseRuns = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+";
constexpr std::string_view kCaseRuns2 =
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*";

bool OneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

Result<PreType> LookupPreType(std::string_view pre) {
  PreType type;
  type.name = pre.empty() ? "default" : std::string(pre);
  const std::string_view name = type.name;
  if (OneOf(name, {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                   "jina-v5-nano"})) {
    type.regexes = {Llama3()};
    type.ignore_merges = true;
    type.force_add_bos = true;
  } else if (OneOf(name, {"dbrx", "smaug-bpe"})) {
    type.regexes = {Llama3()};
  } else if (OneOf(name, {"glm4", "chatglm-bpe"})) {
    type.regexes = {Llama3()};
    type.clear_bos = true;
  } else if (name == "deepseek-llm") {
    type.regexes = {
        "[\r\n]",
        "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"
        "\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}"
        "\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{"
        "10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}"
        "-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{"
        "1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-"
        "\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{"
        "1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-"
        "\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{"
        "2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}"
        "\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{"
        "A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}"
        "-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}"
        "-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+",
        "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
        "\\s+$",
        "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
        "\\p{N}+",
    };
    type.clean_spaces = false;
  } else if (name == "deepseek-coder") {
    type.regexes = {"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+",
                    "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+", "\\p{N}"};
    type.clean_spaces = false;
  } else if (name == "deepseek-v3") {
    type.regexes = {
        "\\p{N}{1,3}",
        "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+",
        "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
        "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
    };
    type.clean_spaces = false;
  } else if (name == "falcon") {
    type.regexes = {"[\\p{P}\\$\\+<=>\\^~\\|`]+", std::string(kGpt2), "[0-9][0-9][0-9]"};
  } else if (OneOf(name, {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b",
                          "mellum2"})) {
    type.regexes = {"\\p{N}", std::string(kGpt2)};
    type.clean_spaces = !OneOf(name, {"command-r", "smollm"});
  } else if (OneOf(name, {"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
                          "a.x-4.0", "mellum", "modern-bert", "mpt", "olmo", "jais", "exaone4", "jina-v1-en",
                          "jina-v2-code", "roberta-bpe"})) {
    type.regexes = {std::string(kGpt2)};
  } else if (OneOf(name, {"trillion", "granite-docling"})) {
    type.regexes = {std::string(kGpt2)};
    type.clean_spaces = false;
  } else if (OneOf(name, {"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "megrez", "hunyuan",
                          "solar-open"})) {
    type.regexes = {Qwen2()};
    type.clean_spaces = OneOf(name, {"stablelm2", "megrez"});
  } else if (name == "qwen35") {
    type.regexes = {Qwen35()};
    type.clean_spaces = false;
  } else if (OneOf(name, {"poro-chat", "bloom", "gpt3-finnish"})) {
    type.regexes = {" ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+"};
    type.clean_spaces = name != "poro-chat";
  } else if (name == "viking") {
    type.regexes = {" ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+", "\\p{N}"};
    type.clean_spaces = false;
  } else if (name == "tekken") {
    type.regexes = {std::string(kCaseRuns) + "|" + std::string(kCaseRuns2) +
                    "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"};
    type.ignore_merges = true;
    type.force_add_bos = true;
    type.clean_spaces = false;
  } else if (OneOf(name, {"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"})) {
    type.regexes = {std::string(kCaseRuns) + std::string(kContractions) + "?|" + std::string(kCaseRuns2) +
                    std::string(kContractions) +
                    "?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"};
    type.clean_spaces = false;
  } else if (name == "gemma4") {
    // SentencePiece-style BPE: spaces are escaped to U+2581 and merges run over whole lines.
    type.regexes = {"[^\\n]+|[\\n]+"};
    type.escape_whitespaces = true;
    type.byte_encode = false;
  } else if (name == "default") {
    type.regexes = {"[\\p{P}\\$\\+<=>\\^~\\|]+", std::string(kGpt2), "\\p{N}+", "[0-9][0-9][0-9]"};
  } else {
    return Status::Unsupported("unknown or unsupported pre-tokenizer type '" + type.name + "'");
  }
  return type;
}

}  // namespace corral::tokenizer

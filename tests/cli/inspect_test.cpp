// `corral inspect`, run as a program: on files made by the writer (values and totals worked out by hand),
// on every vocab GGUF of the test data, and on broken files (one line on stderr, exit status 1).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "run_process.h"
#include "test_paths.h"

namespace corral {
namespace {

namespace fs = std::filesystem;
using corral::testing::ProcessResult;
using corral::testing::RunProcess;

ProcessResult Inspect(std::vector<std::string> args) {
  args.insert(args.begin(), {CORRAL_EXE, "inspect"});
  return RunProcess(args);
}

class InspectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("corral-inspect-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Three tensors whose sizes are easy to check by hand:
  //   f32 [4, 8] = 32 params, 128 bytes; q8_0 [64, 2] = 4 blocks of 34 = 136 bytes, 128 params;
  //   f16 [8] = 16 bytes, 8 params. Total 280 bytes, 168 params, 280 * 8 / 168 = 13.33 bits per weight.
  fs::path WriteSample() {
    gguf::Writer w;
    w.SetString("general.architecture", "llama");
    w.SetU32("llama.block_count", 2);
    w.SetF32("llama.rope.freq_base", 500000.0f);
    w.SetF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    w.SetBool("tokenizer.ggml.add_bos_token", true);
    w.SetI64("x.i64", -42);
    w.SetF64("x.f64", 0.5);
    w.SetString("x.multiline", "line one\nline \"two\"");
    w.SetString("x.long", std::string(200, 'a'));
    std::vector<std::string> tokens;
    for (int i = 0; i < 100; ++i) {
      // Appending (not "t" + to_string) dodges GCC 12's false -Wrestrict at -O3 (GCC bug 105329).
      std::string token = "t";
      token += std::to_string(i);
      tokens.push_back(std::move(token));
    }
    w.SetStringArray("tokenizer.ggml.tokens", tokens);
    const std::vector<int32_t> few = {1, -2, 3};
    w.SetI32Array("x.few", few);
    EXPECT_TRUE(
        w.AddTensor("a.weight", DType::kF32, gguf::MakeShape({4, 8}), std::vector<uint8_t>(128)).ok());
    EXPECT_TRUE(
        w.AddTensor("b.weight", DType::kQ8_0, gguf::MakeShape({64, 2}), std::vector<uint8_t>(136)).ok());
    EXPECT_TRUE(w.AddTensor("c.norm", DType::kF16, gguf::MakeShape({8}), std::vector<uint8_t>(16)).ok());
    const fs::path path = dir_ / "sample.gguf";
    EXPECT_TRUE(w.Write(path.string()).ok());
    return path;
  }

  fs::path WriteBytes(const std::string& name, const std::vector<uint8_t>& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  fs::path dir_;
};

// The line of `text` that starts (after indentation) with `prefix`.
std::string LineStartingWith(const std::string& text, const std::string& prefix) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const size_t first = line.find_first_not_of(' ');
    if (first != std::string::npos && line.compare(first, prefix.size(), prefix) == 0) return line;
    start = end + 1;
  }
  return "(no line starting with " + prefix + ")";
}

// "a   b  c" -> "a b c": the table's column widths are not part of what we check.
std::string Squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  return out;
}

TEST_F(InspectTest, TextShowsMetadataTensorsAndTotals) {
  const fs::path path = WriteSample();
  const ProcessResult r = Inspect({path.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string& t = r.out;
  EXPECT_EQ(Squeeze(LineStartingWith(t, "general.architecture")), "general.architecture str \"llama\"");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "llama.block_count")), "llama.block_count u32 2");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "llama.rope.freq_base")), "llama.rope.freq_base f32 500000");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "llama.attention.layer_norm_rms_epsilon")),
            "llama.attention.layer_norm_rms_epsilon f32 0.00001");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "tokenizer.ggml.add_bos_token")),
            "tokenizer.ggml.add_bos_token bool true");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "x.i64")), "x.i64 i64 -42");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "x.f64")), "x.f64 f64 0.5");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "x.multiline")), "x.multiline str \"line one\\nline \\\"two\\\"\"");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "x.long")),
            "x.long str \"" + std::string(72, 'a') + "\"... (200 bytes)");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "tokenizer.ggml.tokens")),
            "tokenizer.ggml.tokens arr [str × 100] \"t0\", \"t1\", \"t2\", ...");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "x.few")), "x.few arr [i32 × 3] 1, -2, 3");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "a.weight")), "a.weight f32 [4, 8] 128");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "b.weight")), "b.weight q8_0 [64, 2] 136");
  EXPECT_EQ(Squeeze(LineStartingWith(t, "c.norm")), "c.norm f16 [8] 16");
  EXPECT_EQ(LineStartingWith(t, "totals:"),
            "totals: 3 tensors, 280 bytes (280 B), 168 parameters, 13.33 bits per weight");
  EXPECT_NE(t.find("metadata (11):"), std::string::npos);
  EXPECT_NE(t.find("tensors (3):"), std::string::npos);
  // Keys appear in file order.
  EXPECT_LT(t.find("general.architecture"), t.find("llama.block_count"));
  EXPECT_LT(t.find("x.long"), t.find("tokenizer.ggml.tokens"));
}

TEST_F(InspectTest, JsonHasEverythingWithArraysSummarisedUnlessFull) {
  const fs::path path = WriteSample();
  const ProcessResult r = Inspect({"--json", path.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["version"], 3);
  EXPECT_EQ(doc["alignment"], 32);
  EXPECT_EQ(doc["file_bytes"], fs::file_size(path));
  const auto& md = doc["metadata"];
  ASSERT_EQ(md.size(), 11u);
  EXPECT_EQ(md[0]["key"], "general.architecture");
  EXPECT_EQ(md[0]["type"], "str");
  EXPECT_EQ(md[0]["value"], "llama");
  EXPECT_EQ(md[2]["value"], 500000.0);
  EXPECT_EQ(md[5]["value"], -42);
  EXPECT_EQ(md[7]["value"], "line one\nline \"two\"");
  EXPECT_EQ(md[8]["value"], std::string(200, 'a'));  // strings in full
  EXPECT_EQ(md[9]["key"], "tokenizer.ggml.tokens");
  EXPECT_EQ(md[9]["type"], "arr");
  EXPECT_EQ(md[9]["element_type"], "str");
  EXPECT_EQ(md[9]["length"], 100);
  ASSERT_EQ(md[9]["head"].size(), 8u);
  EXPECT_EQ(md[9]["head"][7], "t7");
  EXPECT_EQ(md[10]["head"], nlohmann::json::parse("[1, -2, 3]"));
  const auto& tensors = doc["tensors"];
  ASSERT_EQ(tensors.size(), 3u);
  EXPECT_EQ(tensors[1]["name"], "b.weight");
  EXPECT_EQ(tensors[1]["type"], "q8_0");
  EXPECT_EQ(tensors[1]["shape"], nlohmann::json::parse("[64, 2]"));
  EXPECT_EQ(tensors[1]["offset"], 128);
  EXPECT_EQ(tensors[1]["bytes"], 136);
  EXPECT_EQ(tensors[2]["offset"], 288);  // 128 + 136 padded to 32
  EXPECT_EQ(doc["totals"]["tensors"], 3);
  EXPECT_EQ(doc["totals"]["bytes"], 280);
  EXPECT_EQ(doc["totals"]["parameters"], 168);
  EXPECT_NEAR(doc["totals"]["bits_per_weight"].get<double>(), 280.0 * 8 / 168, 1e-12);

  const ProcessResult full = Inspect({path.string(), "--json", "--full"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const nlohmann::json all = nlohmann::json::parse(full.out);
  ASSERT_EQ(all["metadata"][9]["value"].size(), 100u);
  EXPECT_EQ(all["metadata"][9]["value"][99], "t99");
  EXPECT_FALSE(all["metadata"][9].contains("head"));
}

TEST_F(InspectTest, EveryVocabFileOfTheTestData) {
  const fs::path models = corral::testing::TestDataDir() / "models";
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(models)) {
    if (entry.path().extension() != ".gguf") continue;
    SCOPED_TRACE(entry.path().filename().string());
    Result<gguf::File> file = gguf::File::Open(entry.path().string());
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    const ProcessResult text = Inspect({entry.path().string()});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    const size_t n_tokens = (*file->GetArray("tokenizer.ggml.tokens"))->size();
    EXPECT_NE(text.out.find("[str × " + std::to_string(n_tokens) + "]"), std::string::npos);
    EXPECT_NE(text.out.find("metadata (" + std::to_string(file->metadata().size()) + "):"),
              std::string::npos);
    EXPECT_NE(text.out.find("totals: 0 tensors, 0 bytes"), std::string::npos);
    const ProcessResult json = Inspect({"--json", entry.path().string()});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    const nlohmann::json doc = nlohmann::json::parse(json.out);
    ASSERT_EQ(doc["metadata"].size(), file->metadata().size());
    for (size_t i = 0; i < file->metadata().size(); ++i) {
      EXPECT_EQ(doc["metadata"][i]["key"], std::string(file->metadata()[i].key));
    }
    ++checked;
  }
  EXPECT_GE(checked, 10u) << "no vocab GGUFs under " << models << ": run scripts/testdata";
}

// A broken file: exit status 1, nothing on stdout, exactly one line on stderr.
void ExpectOneLineError(const ProcessResult& r, const std::string& expected_line) {
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, expected_line + "\n");
}

TEST_F(InspectTest, BrokenFilesGiveOneLineAndStatus1) {
  const fs::path good = WriteSample();
  std::ifstream in(good, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  const std::string missing = (dir_ / "missing.gguf").string();
  ExpectOneLineError(Inspect({missing}), "corral: " + missing + ": not found: no such file");

  std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 20);
  const std::string truncated = WriteBytes("cut.gguf", cut).string();
  const size_t size = cut.size();
  ExpectOneLineError(Inspect({truncated}),
                     "corral: " + truncated + ": corrupt: tensor 'c.norm' ends at byte " +
                         std::to_string(size + 20 - 16) + ", past the end of the file (" +
                         std::to_string(size) + " bytes)");

  std::vector<uint8_t> magic = bytes;
  magic[3] = 'X';
  const std::string bad_magic = WriteBytes("magic.gguf", magic).string();
  ExpectOneLineError(Inspect({bad_magic}),
                     "corral: " + bad_magic + ": corrupt: not a GGUF file: magic 'GGUX', expected 'GGUF'");

  const std::string empty = WriteBytes("empty.gguf", {}).string();
  ExpectOneLineError(Inspect({empty}),
                     "corral: " + empty + ": corrupt: truncated at byte 0 of 0 while reading the magic");

  const std::string directory = dir_.string();
  ExpectOneLineError(Inspect({directory}), "corral: " + directory + ": invalid argument: not a regular file");

  // Every prefix of the header: always one line, never a crash.
  for (size_t n : {3u, 10u, 30u, 100u, 400u}) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    const ProcessResult r = Inspect({WriteBytes("prefix.gguf", prefix).string()});
    EXPECT_EQ(r.exit_code, 1) << n;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << n << ": " << r.err;
    EXPECT_NE(r.err.find(": corrupt: "), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace corral

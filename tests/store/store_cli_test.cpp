// The store commands run as programs against a temporary CORRAL_MODELS: create (from a file, a folder, a
// model, with --quantize), list, show, cp, rm, run and template on a store name, a store laid out by hand
// the way Ollama writes one, and the round trip create -> show --modelfile -> create.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../cli/run_process.h"
#include "gguf/file.h"
#include "store/manifest.h"
#include "store/sha256.h"
#include "store/store.h"
#include "test_files.h"
#include "test_models.h"
#include "test_paths.h"

namespace corral::store {
namespace {

namespace fs = std::filesystem;
using testing::ProcessResult;
using testing::RunProcess;

class StoreCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("corral-store-cli-" + std::to_string(::getpid())));
    fs::create_directories(*dir_ / "weights");
    const ProcessResult r = corral::testing::WriteTestModel(Gguf(), "ggml-vocab-llama-spm.gguf",
                                                            {.dim = 64, .ffn = 128, .ctx = 256},
                                                            {"--dtype", "f16", "--seed", "3"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    root_ = *dir_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    fs::create_directories(root_);
    ::setenv("CORRAL_MODELS", (root_ / "models").c_str(), 1);
    ::unsetenv("OLLAMA_MODELS");
  }
  void TearDown() override {
    ::unsetenv("CORRAL_MODELS");
    fs::remove_all(root_);
  }

  static fs::path Gguf() { return *dir_ / "weights" / "tiny.gguf"; }
  static ProcessResult Corral(std::vector<std::string> args) {
    args.insert(args.begin(), CORRAL_EXE);
    return RunProcess(args);
  }
  fs::path WriteModelfile(const std::string& text, const std::string& file = "Modelfile") {
    const fs::path p = root_ / file;
    std::ofstream(p) << text;
    return p;
  }
  Manifest ReadManifest(const std::string& name) {
    Result<Store> store = Store::Open((root_ / "models").string());
    Result<Manifest> m = store->ReadManifest(*ParseModelName(name));
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : Manifest{};
  }

  static fs::path* dir_;
  fs::path root_;
};
fs::path* StoreCliTest::dir_ = nullptr;

constexpr const char* kModelfileBody = R"(PARAMETER temperature 0
PARAMETER num_predict 6
PARAMETER stop "</s>"
TEMPLATE """{{ if .System }}[SYS] {{ .System }}
{{ end }}[USER] {{ .Prompt }}
[BOT]"""
SYSTEM """You answer in one line."""
LICENSE "test licence"
)";

TEST_F(StoreCliTest, CreateListShowRunAndTheModelfileRoundTrip) {
  const fs::path mf = WriteModelfile("FROM " + Gguf().string() + "\n" + kModelfileBody);
  ProcessResult r = Corral({"create", "tiny", "-f", mf.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("writing manifest"), std::string::npos) << r.err;

  // list: ID is the first 12 hex of the manifest file's sha256.
  const fs::path manifest_path = root_ / "models/manifests/registry.ollama.ai/library/tiny/latest";
  const std::string id = Sha256Hex(testing::ReadWholeFile(manifest_path)).substr(0, 12);
  r = Corral({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "NAME           ID              SIZE      MODIFIED");
  EXPECT_NE(r.out.find("tiny:latest    " + id + "    "), std::string::npos) << r.out;
  // Just written: "Less than a second ago" or "N seconds ago" on a loaded machine.
  EXPECT_NE(r.out.find("second"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" ago\n"), std::string::npos) << r.out;

  r = Corral({"show", "tiny"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* want : {"  Model\n", "    architecture        llama", "    context length      256",
                           "    embedding length    64", "    quantization        F16", "  Capabilities\n",
                           "    completion", "    temperature    0", "    stop           \"</s>\"",
                           "  System\n    You answer in one line.", "  License\n    test licence"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << "missing: " << want << "\n" << r.out;
  }
  r = Corral({"show", "tiny", "--system"});
  EXPECT_EQ(r.out, "You answer in one line.\n");
  r = Corral({"show", "tiny", "--license"});
  EXPECT_EQ(r.out, "test licence\n");
  r = Corral({"show", "tiny", "--template"});
  EXPECT_EQ(r.out, "{{ if .System }}[SYS] {{ .System }}\n{{ end }}[USER] {{ .Prompt }}\n[BOT]\n");
  r = Corral({"show", "tiny", "--verbose"});
  EXPECT_NE(r.out.find("  Metadata\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    llama.block_count"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    token_embd.weight"), std::string::npos) << r.out;
  EXPECT_EQ(Corral({"show", "tiny", "--system", "--license"}).exit_code, 1);
  r = Corral({"show", "tiny", "--parameters"});
  EXPECT_NE(r.out.find("num_predict                    6"), std::string::npos) << r.out;

  // show --modelfile -> create gives the same layers and config (only the model layer's `from` differs).
  r = Corral({"show", "tiny", "--modelfile"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path again = WriteModelfile(r.out, "Modelfile.again");
  r = Corral({"create", "tiny2", "-f", again.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Manifest first = ReadManifest("tiny");
  const Manifest second = ReadManifest("tiny2");
  EXPECT_EQ(first.config.digest, second.config.digest);
  ASSERT_EQ(first.layers.size(), second.layers.size());
  for (size_t i = 0; i < first.layers.size(); ++i) {
    EXPECT_EQ(first.layers[i].media_type, second.layers[i].media_type) << i;
    EXPECT_EQ(first.layers[i].digest, second.layers[i].digest) << first.layers[i].media_type;
  }
  EXPECT_EQ(first.layers[0].from, "tiny.gguf");

  // run NAME applies the stored parameters, template and system prompt: the same text as running the
  // file on the prompt the template renders, with the same options.
  r = Corral({"run", "tiny", "Hello there"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string from_store = r.out;
  const std::string prompt = "[SYS] You answer in one line.\n[USER] Hello there\n[BOT]";
  r = Corral({"run", Gguf().string(), "--raw", prompt, "-o", "temperature=0", "-o", "num_predict=6", "-o",
              "stop=</s>"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(from_store, r.out);
  EXPECT_FALSE(from_store.empty());

  // corral template NAME renders the stored Go template.
  const fs::path conv = root_ / "conv.json";
  std::ofstream(conv) << R"([{"role":"system","content":"S"},{"role":"user","content":"U"}])";
  r = Corral({"template", "tiny", "--messages", conv.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[SYS] S\n[USER] U\n[BOT]");
}

TEST_F(StoreCliTest, CreateFromAFolderAndFromAModel) {
  const fs::path mf = WriteModelfile("FROM ./weights\nPARAMETER top_k 7\n");
  std::error_code ec;
  fs::create_directory_symlink(*dir_ / "weights", root_ / "weights", ec);
  ASSERT_FALSE(ec) << ec.message();
  ProcessResult r = Corral({"create", "me/base:v1", "-f", mf.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path derived =
      WriteModelfile("FROM me/base:v1\nPARAMETER temperature 0.5\nSYSTEM hi\n", "Derived");
  r = Corral({"create", "derived", "-f", derived.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Manifest base = ReadManifest("me/base:v1");
  const Manifest child = ReadManifest("derived");
  ASSERT_NE(base.Find(kModelMediaType), nullptr);
  ASSERT_NE(child.Find(kModelMediaType), nullptr);
  EXPECT_EQ(base.Find(kModelMediaType)->digest, child.Find(kModelMediaType)->digest);
  EXPECT_EQ(child.Find(kModelMediaType)->from, "me/base:v1");
  r = Corral({"show", "derived", "--parameters"});
  EXPECT_NE(r.out.find("top_k                          7"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("temperature                    0.5"), std::string::npos) << r.out;
}

TEST_F(StoreCliTest, CopyAndRemovePruneBlobs) {
  const fs::path mf = WriteModelfile("FROM " + Gguf().string() + "\nSYSTEM one\n");
  ASSERT_EQ(Corral({"create", "a", "-f", mf.string()}).exit_code, 0);
  ProcessResult r = Corral({"cp", "a", "b:copy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "copied 'a' to 'b:copy'\n");
  r = Corral({"list"});
  EXPECT_NE(r.out.find("a:latest"), std::string::npos);
  EXPECT_NE(r.out.find("b:copy"), std::string::npos);
  const fs::path blobs = root_ / "models/blobs";
  const auto count = [&] { return std::distance(fs::directory_iterator(blobs), fs::directory_iterator()); };
  const auto before = count();
  r = Corral({"rm", "a"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "deleted 'a'\n");
  EXPECT_EQ(count(), before);  // b:copy still uses every blob
  r = Corral({"rm", "b:copy", "nothere"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "deleted 'b:copy'\n");
  EXPECT_NE(r.err.find("'nothere:latest' not found"), std::string::npos) << r.err;
  EXPECT_EQ(count(), 0);
  EXPECT_FALSE(fs::exists(root_ / "models/manifests/registry.ollama.ai"));
}

TEST_F(StoreCliTest, ErrorsNameTheProblem) {
  ProcessResult r = Corral({"create", "../escape", "-f", WriteModelfile("FROM x\n").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("invalid model name '../escape'"), std::string::npos) << r.err;
  r = Corral(
      {"create", "ok", "-f", WriteModelfile("FROM " + Gguf().string() + "\nPARAMETER bogus 1\n").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 2: unknown parameter 'bogus'"), std::string::npos) << r.err;
  r = Corral({"create", "ok", "-f", WriteModelfile("FROM x\nNOPE y\n").string()});
  EXPECT_NE(r.err.find("line 2: unknown command 'NOPE'"), std::string::npos) << r.err;
  r = Corral(
      {"create", "ok", "-f", WriteModelfile("FROM " + Gguf().string() + "\nTEMPLATE {{ .Prompt\n").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 2: template error"), std::string::npos) << r.err;
  r = Corral({"create", "ok", "-f", WriteModelfile("FROM missing-model\n").string()});
  EXPECT_NE(r.err.find("FROM missing-model: no such file, folder or model"), std::string::npos) << r.err;
  r = Corral({"run", "nosuchmodel", "hi"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("model 'nosuchmodel' not found"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(root_ / "models/manifests/registry.ollama.ai"));
}

// A store written the way Ollama writes one (paths, media types, manifest JSON from Go's encoder), found
// through OLLAMA_MODELS: listed with Ollama's ID, shown, and run with its params and template.
TEST_F(StoreCliTest, AnOllamaFolderIsListedAndRuns) {
  ::unsetenv("CORRAL_MODELS");
  const fs::path models = root_ / "ollama-models";
  ::setenv("OLLAMA_MODELS", models.c_str(), 1);
  fs::create_directories(models / "blobs");
  fs::create_directories(models / "manifests/registry.ollama.ai/library/tinyllama");
  struct Blob {
    std::string digest;
    size_t size;
  };
  const auto put = [&](const std::string& bytes) {
    const std::string hex = Sha256Hex(bytes);
    std::ofstream(models / "blobs" / ("sha256-" + hex), std::ios::binary) << bytes;
    return Blob{"sha256:" + hex, bytes.size()};
  };
  const Blob weights = put(testing::ReadWholeFile(Gguf()));
  const Blob tmpl = put("{{ .System }}|{{ .Prompt }}|");
  const Blob params = put("{\"num_predict\":4,\"stop\":[\"\\u003c/s\\u003e\"],\"temperature\":0}\n");
  const Blob system = put("Be brief.");
  const Blob config =
      put("{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],\"model_"
          "type\":\"2.23M\","
          "\"file_type\":\"F16\",\"architecture\":\"amd64\",\"os\":\"linux\"}\n");
  const auto layer = [](const char* type, const Blob& b) {
    return std::string("{\"mediaType\":\"") + type + "\",\"digest\":\"" + b.digest +
           "\",\"size\":" + std::to_string(b.size) + "}";
  };
  const std::string manifest =
      "{\"schemaVersion\":2,\"mediaType\":\"application/"
      "vnd.docker.distribution.manifest.v2+json\",\"config\":" +
      layer("application/vnd.docker.container.image.v1+json", config) + ",\"layers\":[" +
      layer("application/vnd.ollama.image.model", weights) + "," +
      layer("application/vnd.ollama.image.template", tmpl) + "," +
      layer("application/vnd.ollama.image.system", system) + "," +
      layer("application/vnd.ollama.image.params", params) + "]}\n";
  std::ofstream(models / "manifests/registry.ollama.ai/library/tinyllama/1b", std::ios::binary) << manifest;

  ProcessResult r = Corral({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tinyllama:1b    " + Sha256Hex(manifest).substr(0, 12)), std::string::npos) << r.out;
  r = Corral({"show", "tinyllama:1b"});
  EXPECT_NE(r.out.find("parameters          2.23M"), std::string::npos) << r.out;
  r = Corral({"run", "tinyllama:1b", "Hi"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string from_store = r.out;
  r = Corral({"run", Gguf().string(), "--raw", "Be brief.|Hi|", "-o", "temperature=0", "-o", "num_predict=4",
              "-o", "stop=</s>"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(from_store, r.out);
  ::unsetenv("OLLAMA_MODELS");
}

TEST_F(StoreCliTest, QuantizedCreateMatchesLlamaQuantizeBytes) {
  // The F16 model and llama-quantize golden of quantize_test.cpp, through `corral create --quantize`.
  const fs::path f16 = root_ / "f16.gguf";
  ProcessResult r = corral::testing::WriteTestModel(
      f16, "ggml-vocab-llama-spm.gguf", {.ffn = 512, .ctx = 512}, {"--dtype", "f16", "--seed", "7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Corral({"create", "q", "-q", "q4_K_M", "-f", WriteModelfile("FROM " + f16.string() + "\n").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("quantizing F16 model to Q4_K_M"), std::string::npos) << r.err;
  const Manifest m = ReadManifest("q");
  ASSERT_NE(m.Find(kModelMediaType), nullptr);
  Result<Store> store = Store::Open((root_ / "models").string());
  const std::string blob = *store->BlobPath(m.Find(kModelMediaType)->digest);
  Result<gguf::File> q = gguf::File::Open(blob);
  ASSERT_TRUE(q.ok());
  const std::string bytes = testing::ReadWholeFile(blob);
  EXPECT_EQ(Sha256Hex(std::string_view(bytes).substr(q->data_offset())),
            "28707708dcb987d21250bae4f15fa8a2e4dc66ab3396e4d310143cc855d5818c");
  // The blob is llama-quantize's file byte for byte (quantize_test.cpp's golden).
  EXPECT_EQ(m.Find(kModelMediaType)->digest,
            "sha256:d004fe1a5a84e4720ab72b745d57a9ba48e8277990138ff76f5b92ee6598c219");
  r = Corral({"show", "q"});
  EXPECT_NE(r.out.find("quantization        Q4_K_M"), std::string::npos) << r.out;
  // The F16 source is gone from the store: only the quantized weights were stored.
  EXPECT_EQ(m.layers.size(), 1u);
}

}  // namespace
}  // namespace corral::store

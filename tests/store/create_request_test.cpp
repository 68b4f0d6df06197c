// Creating from Ollama's /api/create request (uploaded blobs named by digest, or a store model, with the
// Modelfile's fields), and that a delete or a replacing create, which prune the blobs nothing references,
// keep a blob uploaded for a create still to come.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "store/create.h"
#include "store/model_info.h"
#include "store/store.h"
#include "test_files.h"
#include "test_models.h"

namespace corral::store {
namespace {

namespace fs = std::filesystem;

class CreateRequestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("corral-create-request-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const auto r = corral::testing::WriteTestModel(*dir_ / "tiny.gguf", "ggml-vocab-llama-spm.gguf",
                                                   {.dim = 64, .ffn = 128, .ctx = 256},
                                                   {"--dtype", "f16", "--seed", "5"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    root_ = *dir_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    Result<Store> s = Store::Open(root_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_.emplace(std::move(*s));
  }
  void TearDown() override { fs::remove_all(root_); }

  // What a client's POST /api/blobs/<digest> leaves in the store.
  std::string Upload(const std::string& bytes) {
    Result<BlobWriter> w = store_->NewBlob();
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE(w->Append({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).ok());
    Result<Layer> layer = w->Commit(kModelMediaType);
    EXPECT_TRUE(layer.ok()) << layer.status().ToString();
    if (layer.ok()) {
      EXPECT_TRUE(store_->MarkUploaded(layer->digest).ok());
    }
    return layer.ok() ? layer->digest : "";
  }
  bool BlobExists(const std::string& digest) { return *store_->HasBlob(digest); }

  static fs::path* dir_;
  fs::path root_;
  std::optional<Store> store_;
};
fs::path* CreateRequestTest::dir_ = nullptr;

TEST_F(CreateRequestTest, FromUploadedFilesWithTheModelfileFields) {
  const std::string weights = testing::ReadWholeFile(*dir_ / "tiny.gguf");
  const std::string digest = Upload(weights);
  CreateRequest request;
  request.files = {{"tiny.gguf", digest}};
  request.system = "Be brief.";
  request.template_text = "[USER] {{ .Prompt }} [BOT]";
  request.parameters = {{"temperature", "0.25"}, {"stop", "</s>"}, {"stop", "[USER]"}};
  request.messages = {{"user", "hi"}, {"assistant", "hello"}};
  request.licenses = {"MIT"};
  std::vector<std::string> statuses;
  Result<Manifest> m =
      CreateModelFromRequest(*store_, *ParseModelName("me/uploaded:v1"), request,
                             {.on_status = [&](const std::string& s) { statuses.push_back(s); }});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(statuses.front(), "parsing GGUF");
  EXPECT_EQ(statuses.back(), "success");

  // The weights layer is the uploaded blob itself, not a copy.
  Result<ModelInfo> info = ReadModelInfo(*store_, "me/uploaded:v1");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->system, "Be brief.");
  EXPECT_EQ(info->template_text, "[USER] {{ .Prompt }} [BOT]");
  const std::string parameters = ParametersText(info->params);
  EXPECT_NE(parameters.find("temperature"), std::string::npos) << parameters;
  EXPECT_NE(parameters.find("\"[USER]\""), std::string::npos) << parameters;
  bool weights_layer = false;
  for (const Layer& l : m->layers) weights_layer |= l.media_type == kModelMediaType && l.digest == digest;
  EXPECT_TRUE(weights_layer);
  EXPECT_EQ(std::count_if(fs::directory_iterator(root_ / "blobs"), fs::directory_iterator(),
                          [](const fs::directory_entry& e) { return e.is_regular_file(); }),
            static_cast<long>(m->layers.size() + 1));
}

TEST_F(CreateRequestTest, FromAStoreModelOverridingItsFields) {
  const std::string digest = Upload(testing::ReadWholeFile(*dir_ / "tiny.gguf"));
  CreateRequest base;
  base.files = {{"tiny.gguf", digest}};
  base.system = "old";
  base.parameters = {{"top_k", "7"}};
  ASSERT_TRUE(CreateModelFromRequest(*store_, *ParseModelName("base"), base, {}).ok());
  CreateRequest derived;
  derived.from = "base";
  derived.system = "new";
  derived.parameters = {{"temperature", "0"}};
  Result<Manifest> m = CreateModelFromRequest(*store_, *ParseModelName("derived"), derived, {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  Result<ModelInfo> info = ReadModelInfo(*store_, "derived");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->system, "new");
  const std::string parameters = ParametersText(info->params);
  EXPECT_NE(parameters.find("top_k"), std::string::npos) << parameters;  // inherited
  EXPECT_NE(parameters.find("temperature"), std::string::npos) << parameters;
  // The weights are shared, not copied.
  EXPECT_EQ(info->model_path, ReadModelInfo(*store_, "base")->model_path);
}

TEST_F(CreateRequestTest, QuantizesAnUploadedModel) {
  const std::string digest = Upload(testing::ReadWholeFile(*dir_ / "tiny.gguf"));
  CreateRequest request;
  request.files = {{"tiny.gguf", digest}};
  Result<Manifest> m = CreateModelFromRequest(*store_, *ParseModelName("q"), request, {.quantize = "q8_0"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  Result<ModelInfo> info = ReadModelInfo(*store_, "q");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->config.file_type, "Q8_0");
  EXPECT_NE(info->model_path, *store_->BlobPath(digest));
}

TEST_F(CreateRequestTest, BadRequestsSayWhatIsWrong) {
  const auto refused = [&](const CreateRequest& r, const std::string& words) {
    Result<Manifest> m = CreateModelFromRequest(*store_, *ParseModelName("x"), r, {});
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument) << m.status().ToString();
    EXPECT_NE(m.status().message().find(words), std::string::npos) << m.status().message();
  };
  refused({}, "neither 'from' or 'files' was specified");
  const std::string gguf = Upload(testing::ReadWholeFile(*dir_ / "tiny.gguf"));
  for (const std::string bad : {"/etc/passwd", "../up.gguf", "a/../../b.gguf", ""}) {
    CreateRequest r;
    r.files = {{bad, gguf}};
    refused(r, "file path must be relative");
  }
  CreateRequest missing;
  missing.files = {{"m.gguf", "sha256:" + std::string(64, 'e')}};
  refused(missing, "was not uploaded");
  CreateRequest text;
  text.files = {{"notes.gguf", Upload("not a model at all")}};
  refused(text, "not in GGUF format");
  CreateRequest bad_param;
  bad_param.files = {{"tiny.gguf", gguf}};
  bad_param.parameters = {{"temperature", "warm"}};
  refused(bad_param, "invalid float value");
  CreateRequest two_adapters;
  two_adapters.files = {{"tiny.gguf", gguf}};
  two_adapters.adapters = {{"a.gguf", gguf}, {"b.gguf", gguf}};
  refused(two_adapters, "only one adapter");
  EXPECT_FALSE(store_->ReadManifest(*ParseModelName("x")).ok());
}

TEST_F(CreateRequestTest, DeleteAndReplaceKeepFreshUploads) {
  const std::string weights = Upload(testing::ReadWholeFile(*dir_ / "tiny.gguf"));
  CreateRequest request;
  request.files = {{"tiny.gguf", weights}};
  request.system = "first";
  ASSERT_TRUE(CreateModelFromRequest(*store_, *ParseModelName("m"), request, {}).ok());
  Result<ModelInfo> first = ReadModelInfo(*store_, "m");
  ASSERT_TRUE(first.ok());
  std::string first_system;
  for (const Layer& l : first->manifest.layers) {
    if (l.media_type == kSystemMediaType) first_system = l.digest;
  }
  ASSERT_FALSE(first_system.empty());

  // A blob uploaded for another create, not yet named by any manifest.
  const std::string pending = Upload("GGUF pending upload");
  request.system = "second";
  ASSERT_TRUE(CreateModelFromRequest(*store_, *ParseModelName("m"), request, {}).ok());
  EXPECT_FALSE(BlobExists(first_system));  // replaced: its old system layer went
  EXPECT_TRUE(BlobExists(weights));        // still used
  EXPECT_TRUE(BlobExists(pending));

  ASSERT_TRUE(RemoveModel(*store_, "m").ok());
  EXPECT_FALSE(BlobExists(first->manifest.config.digest));
  EXPECT_TRUE(BlobExists(pending));
  EXPECT_TRUE(BlobExists(weights));  // uploaded within the hour: another create may still name it

  // Uploads older than an hour are pruned like any unreferenced blob.
  for (const std::string& digest : {pending, weights}) {
    const fs::path marker = fs::path(store_->UploadsDir()) / fs::path(*store_->BlobPath(digest)).filename();
    ASSERT_TRUE(fs::exists(marker));
    fs::last_write_time(marker, fs::file_time_type::clock::now() - std::chrono::minutes(61));
  }
  Result<StoreLock> lock = store_->LockExclusive();
  ASSERT_TRUE(lock.ok());
  ASSERT_TRUE(store_->Prune().ok());
  EXPECT_FALSE(BlobExists(pending));
  EXPECT_FALSE(BlobExists(weights));
  EXPECT_TRUE(fs::is_empty(store_->UploadsDir()));
}

}  // namespace
}  // namespace corral::store

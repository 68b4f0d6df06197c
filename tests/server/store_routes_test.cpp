// The server's model-management routes over a real store in a temporary folder (server/store_backend.h):
// uploading blobs as `ollama create` does (HEAD, then POST with the file, by Content-Length or chunked and
// past the JSON body limit), creating from them and from a store model (progress streamed or one object),
// Ollama's errors, and deleting a model while a client is still streaming from it.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "server/http_test_client.h"
#include "server/server.h"
#include "server/store_backend.h"
#include "store/model_info.h"
#include "store/sha256.h"
#include "store/store.h"
#include "test_files.h"
#include "test_models.h"

namespace corral::server {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::vector<Json> NdjsonLines(const std::string& body) {
  std::vector<Json> lines;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(Json::parse(line));
  }
  return lines;
}

class StoreRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("corral-store-routes-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    // F16 (so it can be quantized) and larger than the 1 MiB JSON body limit below, as every real model is.
    const corral::testing::ProcessResult r = corral::testing::WriteTestModel(
        *dir_ / "tiny.gguf", "ggml-vocab-llama-spm.gguf", {.dim = 64, .ffn = 128, .ctx = 512},
        {"--dtype", "f16", "--seed", "3"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    weights_ = new std::string(testing::ReadWholeFile(*dir_ / "tiny.gguf"));
    store::Sha256 h;
    h.Update({reinterpret_cast<const uint8_t*>(weights_->data()), weights_->size()});
    digest_ = new std::string("sha256:" + h.HexDigest());
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete weights_;
    delete digest_;
  }

  void SetUp() override {
    root_ = *dir_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    ASSERT_TRUE(store::Store::Open(root_.string()).ok());
    sched::SchedulerOptions options;
    options.num_thread = 2;
    options.num_ctx = 512;
    // Store names, as `corral serve` resolves them.
    scheduler_ = std::make_unique<sched::Scheduler>(
        [root = root_.string()](std::string_view name) -> Result<sched::ModelSpec> {
          CORRAL_ASSIGN_OR_RETURN(store::Store s, store::Store::Open(root));
          CORRAL_ASSIGN_OR_RETURN(store::ModelInfo info, store::ReadModelInfo(s, name));
          sched::ModelSpec spec;
          spec.name = info.name.Display();
          spec.gguf = info.model_path;
          spec.digest = info.manifest.config.digest;
          spec.parameters = {{"temperature", "0"}};
          return spec;
        },
        options);
    ServerOptions server_options;
    server_options.max_body_bytes = 1 << 20;
    UseStore(server_options, root_.string());
    server_ = std::make_unique<Server>(*scheduler_, server_options);
    ASSERT_TRUE(server_->Bind("127.0.0.1", 0).ok());
    thread_ = std::thread([this] { server_->Serve(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60, 0);
    ASSERT_TRUE(WaitUntilServing(*client_)) << "the server did not come up";
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
    client_.reset();
    server_.reset();
    scheduler_.reset();
    fs::remove_all(root_);
  }

  httplib::Result Post(const std::string& path, const Json& body) {
    return client_->Post(path, body.dump(), "application/json");
  }
  int Head(const std::string& path) {
    auto res = client_->Head(path);
    return res ? res->status : -1;
  }
  // Uploads with a chunked body, as Go's http client sends an io.Reader (the ollama CLI).
  httplib::Result UploadChunked(const std::string& digest, const std::string& bytes) {
    size_t sent = 0;
    return client_->Post(
        "/api/blobs/" + digest,
        [&](size_t, httplib::DataSink& sink) {
          const size_t n = std::min<size_t>(bytes.size() - sent, 256 << 10);
          sink.write(bytes.data() + sent, n);
          sent += n;
          if (sent == bytes.size()) sink.done();
          return true;
        },
        "application/octet-stream");
  }

  static inline fs::path* dir_ = nullptr;
  static inline std::string* weights_ = nullptr;
  static inline std::string* digest_ = nullptr;
  fs::path root_;
  std::unique_ptr<sched::Scheduler> scheduler_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(StoreRoutesTest, UploadThenCreateThenGenerate) {
  ASSERT_GT(weights_->size(), size_t{1} << 20);
  EXPECT_EQ(Head("/api/blobs/" + *digest_), 404);
  auto up = client_->Post("/api/blobs/" + *digest_, *weights_, "application/octet-stream");
  ASSERT_TRUE(up);
  EXPECT_EQ(up->status, 201) << up->body;
  EXPECT_EQ(Head("/api/blobs/" + *digest_), 200);
  // Again: the server already has it.
  auto again = UploadChunked(*digest_, *weights_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;

  auto created = Post("/api/create", {{"model", "me/uploaded"},
                                      {"files", {{"tiny.gguf", *digest_}}},
                                      {"system", "Be brief."},
                                      {"parameters", {{"stop", {"<|eot_id|>", "###"}}, {"top_k", 5}}}});
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 200);
  EXPECT_EQ(created->get_header_value("Content-Type"), "application/x-ndjson");
  const std::vector<Json> lines = NdjsonLines(created->body);
  ASSERT_GE(lines.size(), 3u) << created->body;
  EXPECT_EQ(lines.front().at("status"), "parsing GGUF");
  EXPECT_EQ(lines.back().at("status"), "success");

  auto show = Post("/api/show", {{"model", "me/uploaded"}});
  ASSERT_TRUE(show);
  ASSERT_EQ(show->status, 200) << show->body;
  const Json info = Json::parse(show->body);
  EXPECT_EQ(info.at("system"), "Be brief.");
  EXPECT_NE(info.at("parameters").get<std::string>().find("###"), std::string::npos) << info.at("parameters");

  auto gen = Post(
      "/api/generate",
      {{"model", "me/uploaded"}, {"prompt", "Hi"}, {"stream", false}, {"options", {{"num_predict", 3}}}});
  ASSERT_TRUE(gen);
  EXPECT_EQ(gen->status, 200) << gen->body;
  EXPECT_EQ(Json::parse(gen->body).at("eval_count"), 3);
}

TEST_F(StoreRoutesTest, CreateFromAStoreModelUnstreamedAndQuantized) {
  ASSERT_EQ(UploadChunked(*digest_, *weights_)->status, 201);
  ASSERT_EQ(Post("/api/create", {{"model", "base"}, {"files", {{"tiny.gguf", *digest_}}}, {"stream", false}})
                ->status,
            200);
  auto derived = Post("/api/create", {{"model", "derived:v2"},
                                      {"from", "base"},
                                      {"system", "You are terse."},
                                      {"quantize", "q4_0"},
                                      {"stream", false}});
  ASSERT_TRUE(derived);
  EXPECT_EQ(derived->status, 200) << derived->body;
  EXPECT_EQ(Json::parse(derived->body), Json({{"status", "success"}}));
  auto tags = client_->Get("/api/tags");
  ASSERT_TRUE(tags);
  const Json models = Json::parse(tags->body).at("models");
  ASSERT_EQ(models.size(), 2u) << tags->body;
  std::map<std::string, std::string> levels;
  for (const Json& m : models) levels[m.at("name")] = m.at("details").at("quantization_level");
  EXPECT_EQ(levels, (std::map<std::string, std::string>{{"base:latest", "F16"}, {"derived:v2", "Q4_0"}}));
}

TEST_F(StoreRoutesTest, BadUploadsAndCreatesAreRefusedAsOllamaRefusesThem) {
  // A digest that does not match the bytes, or is not a digest at all.
  auto wrong =
      client_->Post("/api/blobs/sha256:" + std::string(64, '0'), "hello", "application/octet-stream");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 400);
  EXPECT_NE(Json::parse(wrong->body).at("error").get<std::string>().find("digest mismatch"),
            std::string::npos);
  EXPECT_EQ(Head("/api/blobs/sha256:" + std::string(64, '0')), 404);
  auto malformed = client_->Post("/api/blobs/../../etc", "x", "application/octet-stream");
  ASSERT_TRUE(malformed);
  EXPECT_GE(malformed->status, 400);
  EXPECT_EQ(Head("/api/blobs/sha256:abc"), 400);

  const auto error_of = [&](const Json& body, int status) {
    Json request = body;
    request["stream"] = false;
    auto res = Post("/api/create", request);
    EXPECT_TRUE(res);
    if (!res) return std::string();
    EXPECT_EQ(res->status, status) << res->body;
    return Json::parse(res->body).at("error").get<std::string>();
  };
  EXPECT_EQ(error_of({{"model", "x"}}, 400), "neither 'from' or 'files' was specified");
  EXPECT_EQ(error_of({{"from", "x"}}, 400), "invalid model name");
  EXPECT_EQ(error_of({{"model", "x"}, {"files", {{"a.gguf", ""}}}}, 400), "invalid digest format");
  EXPECT_NE(error_of({{"model", "x"}, {"files", {{"/abs.gguf", *digest_}}}}, 400)
                .find("file path must be relative"),
            std::string::npos);
  EXPECT_NE(error_of({{"model", "x"}, {"files", {{"a.gguf", *digest_}}}}, 400).find("was not uploaded"),
            std::string::npos);
  EXPECT_NE(error_of({{"model", "x"}, {"from", "no-such-model"}}, 404).find("no-such-model"),
            std::string::npos);
  ASSERT_EQ(UploadChunked(*digest_, *weights_)->status, 201);
  EXPECT_NE(error_of({{"model", "x"}, {"files", {{"a.gguf", *digest_}}}, {"quantize", "q9_9"}}, 400)
                .find("unsupported quantization type"),
            std::string::npos);
  EXPECT_NE(
      error_of({{"model", "x"}, {"files", {{"a.gguf", *digest_}}}, {"parameters", {{"temperature", "hot"}}}},
               400)
          .find("invalid float value"),
      std::string::npos);
  // Streamed, an error after the status line went out is a line of its own.
  auto streamed =
      Post("/api/create", {{"model", "x"}, {"files", {{"a.gguf", *digest_}}}, {"quantize", "q9_9"}});
  ASSERT_TRUE(streamed);
  const std::vector<Json> lines = NdjsonLines(streamed->body);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines.back().contains("error")) << streamed->body;
  EXPECT_EQ(client_->Get("/api/tags")->body, R"({"models":[]})");
}

TEST_F(StoreRoutesTest, DeletingAModelWhileAClientStreamsFromIt) {
  ASSERT_EQ(UploadChunked(*digest_, *weights_)->status, 201);
  ASSERT_EQ(
      Post("/api/create", {{"model", "doomed"}, {"files", {{"tiny.gguf", *digest_}}}, {"stream", false}})
          ->status,
      200);
  // Upload markers would keep the weights for an hour; age them so the delete really removes the file.
  for (const auto& e : fs::directory_iterator(root_ / "blobs" / ".uploads"))
    fs::last_write_time(e.path(), fs::file_time_type::clock::now() - std::chrono::hours(2));

  std::string streamed;
  std::atomic<bool> started = false;
  std::thread reader([&] {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(60, 0);
    streamed = PostStreaming(
                   c, "/api/generate",
                   Json{{"model", "doomed"}, {"prompt", "Once"}, {"options", {{"num_predict", 48}}}}.dump(),
                   [&](const std::string& so_far) {
                     if (so_far.find("\"response\"") != std::string::npos) started = true;
                     return true;
                   })
                   .body;
  });
  // Delete once the stream has started.
  for (int i = 0; i < 3000 && !started; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto res = client_->Delete("/api/delete", R"({"model":"doomed"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  reader.join();
  EXPECT_FALSE(fs::exists(root_ / "blobs" / ("sha256-" + digest_->substr(7))));
  // The stream in flight finished normally: the loaded model keeps its mapping of the unlinked file.
  const std::vector<Json> lines = NdjsonLines(streamed);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().at("done"), true) << streamed;
  EXPECT_EQ(lines.back().at("eval_count"), 48);
  // The name is gone for new requests, and the server still answers.
  auto gone = Post("/api/generate", {{"model", "doomed"}, {"prompt", "x"}, {"stream", false}});
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404) << gone->body;
  EXPECT_EQ(client_->Get("/api/version")->status, 200);
}

}  // namespace
}  // namespace corral::server

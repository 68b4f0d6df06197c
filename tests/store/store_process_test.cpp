// The store under abuse from several processes: `corral create` killed with SIGKILL at many points of its
// work, and creates and removes running at the same time. Afterwards every manifest must name blobs that
// exist whole (their sha256 equals their name), and the next prune must clear what the killed ones left.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "../cli/run_process.h"
#include "store/store.h"
#include "test_models.h"
#include "test_paths.h"

namespace corral::store {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Starts argv with stdout/stderr sent to /dev/null; returns its pid (or -1).
pid_t Spawn(const std::vector<std::string>& argv) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class StoreProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("corral-store-proc-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const testing::ProcessResult r =
        corral::testing::WriteTestModel((*dir_ / "f16.gguf"), "ggml-vocab-llama-spm.gguf",
                                        {.ffn = 512, .ctx = 512}, {"--dtype", "f16", "--seed", "9"});
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
  }
  void TearDown() override { ::unsetenv("CORRAL_MODELS"); }

  fs::path Modelfile(const std::string& name, const std::string& extra) {
    const fs::path p = root_ / name;
    std::ofstream(p) << "FROM " << (*dir_ / "f16.gguf").string() << "\n" << extra;
    return p;
  }

  // Every manifest's blobs exist with their sizes; every blob's content hashes to its name.
  void ExpectConsistent() {
    Result<Store> store = Store::Open((root_ / "models").string());
    ASSERT_TRUE(store.ok());
    Result<std::vector<ListedModel>> models = store->List();
    ASSERT_TRUE(models.ok());
    for (const ListedModel& m : *models) {
      std::vector<Layer> layers = m.manifest.layers;
      layers.push_back(m.manifest.config);
      for (const Layer& l : layers) {
        const std::string path = *store->BlobPath(l.digest);
        ASSERT_TRUE(fs::exists(path)) << m.name.Display() << " names a missing blob " << l.digest;
        EXPECT_EQ(fs::file_size(path), static_cast<uintmax_t>(l.size)) << l.digest;
      }
    }
    for (const auto& entry : fs::directory_iterator(root_ / "models" / "blobs")) {
      const std::string name = entry.path().filename().string();
      if (!name.starts_with("sha256-")) continue;
      Result<std::string> digest = FileDigest(entry.path().string());
      ASSERT_TRUE(digest.ok());
      EXPECT_EQ(*digest, "sha256:" + name.substr(7)) << "a blob whose content is not its name";
    }
  }

  static fs::path* dir_;
  fs::path root_;
};
fs::path* StoreProcessTest::dir_ = nullptr;

TEST_F(StoreProcessTest, KilledCreatesLeaveTheStoreConsistent) {
  const fs::path mf = Modelfile("Modelfile", "SYSTEM killed\nPARAMETER top_k 3\n");
  const std::vector<std::string> create = {CORRAL_EXE,  "create", "victim", "-q",       "q8_0",
                                           "--threads", "1",      "-f",     mf.string()};
  // How long a whole create takes here, then kills spread over that time (and a little past the start).
  const Clock::time_point t0 = Clock::now();
  ASSERT_EQ(Wait(Spawn(create)), 0);
  const auto full = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
  ASSERT_EQ(testing::RunProcess({CORRAL_EXE, "rm", "victim"}).exit_code, 0);
  constexpr int kKills = 8;
  int killed_before_done = 0;
  for (int k = 0; k < kKills; ++k) {
    const pid_t pid = Spawn(create);
    ASSERT_GT(pid, 0);
    ::usleep(static_cast<useconds_t>(full.count() * k / kKills));
    ::kill(pid, SIGKILL);
    if (Wait(pid) == -1) ++killed_before_done;
    ExpectConsistent();
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(killed_before_done, kKills / 2);
  // What the killed processes left (temporary files, blobs no manifest names) goes with the next prune.
  ASSERT_EQ(Wait(Spawn(create)), 0);
  ASSERT_EQ(testing::RunProcess({CORRAL_EXE, "rm", "victim"}).exit_code, 0);
  EXPECT_TRUE(fs::is_empty(root_ / "models" / "blobs"));
  const fs::path tmp = root_ / "models" / "manifests" / ".tmp";
  EXPECT_TRUE(!fs::exists(tmp) || fs::is_empty(tmp));
}

TEST_F(StoreProcessTest, ConcurrentCreatesAndRemoves) {
  ASSERT_EQ(
      testing::RunProcess({CORRAL_EXE, "create", "old", "-f", Modelfile("Old", "SYSTEM old\n").string()})
          .exit_code,
      0);
  std::vector<pid_t> pids;
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    pids.push_back(
        Spawn({CORRAL_EXE, "create", "model" + n, "-f", Modelfile("M" + n, "SYSTEM s" + n + "\n").string()}));
    pids.push_back(
        Spawn({CORRAL_EXE, "create", "same", "-f", Modelfile("S" + n, "SYSTEM same" + n + "\n").string()}));
  }
  pids.push_back(Spawn({CORRAL_EXE, "rm", "old"}));
  for (pid_t pid : pids) {
    ASSERT_GT(pid, 0);
    EXPECT_EQ(Wait(pid), 0);
  }
  ExpectConsistent();
  Result<Store> store = Store::Open((root_ / "models").string());
  ASSERT_TRUE(store.ok());
  Result<std::vector<ListedModel>> models = store->List();
  ASSERT_TRUE(models.ok());
  std::set<std::string> names;
  for (const ListedModel& m : *models) names.insert(m.name.Display());
  EXPECT_EQ(names, (std::set<std::string>{"model0:latest", "model1:latest", "model2:latest", "same:latest"}));
}

}  // namespace
}  // namespace corral::store

// The on-disk store: blobs named by their sha256, manifests that refuse missing blobs, listing in Ollama's
// layout, pruning, and the lock that keeps a prune away from a create in progress.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "store/sha256.h"
#include "store/store.h"

namespace corral::store {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("corral-store-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    Result<Store> s = Store::Open(root_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_.emplace(std::move(*s));
  }
  void TearDown() override { fs::remove_all(root_); }

  Manifest OneLayer(const std::string& weights) {
    Manifest m;
    m.config = *store_->WriteBlob("{}\n", kConfigMediaType);
    m.layers.push_back(*store_->WriteBlob(weights, kModelMediaType));
    return m;
  }

  fs::path root_;
  std::optional<Store> store_;
};

TEST_F(StoreTest, BlobIsNamedByItsSha256) {
  Result<Layer> layer = store_->WriteBlob("hello", kSystemMediaType);
  ASSERT_TRUE(layer.ok()) << layer.status().ToString();
  // sha256("hello"), as `printf hello | sha256sum` prints it.
  EXPECT_EQ(layer->digest, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(layer->size, 5);
  const fs::path blob =
      root_ / "blobs" / "sha256-2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  EXPECT_TRUE(fs::is_regular_file(blob));
  // Writing the same bytes again keeps one blob and leaves no temporary file behind.
  ASSERT_TRUE(store_->WriteBlob("hello", kSystemMediaType).ok());
  EXPECT_EQ(std::distance(fs::directory_iterator(root_ / "blobs"), fs::directory_iterator()), 1);
}

TEST_F(StoreTest, BlobPathRefusesNonDigests) {
  EXPECT_FALSE(store_->BlobPath("sha256:../../etc/passwd").ok());
  EXPECT_FALSE(store_->BlobPath("md5:abc").ok());
  EXPECT_TRUE(store_->BlobPath("sha256-" + std::string(64, 'a')).ok());
}

TEST_F(StoreTest, ManifestNeedsEveryBlob) {
  Manifest m = OneLayer("weights");
  m.layers.push_back({std::string(kTemplateMediaType), "sha256:" + std::string(64, '0'), 3, "", ""});
  const ModelName name = *ParseModelName("broken");
  Status s = store_->WriteManifest(name, m);
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_FALSE(fs::exists(store_->ManifestPath(name)));
  m.layers.pop_back();
  m.layers[0].size += 1;  // a size that does not match the blob on disk
  EXPECT_EQ(store_->WriteManifest(name, m).code(), StatusCode::kCorrupt);
}

TEST_F(StoreTest, ListsManifestsWithTheirDigest) {
  const Manifest m = OneLayer("weights");
  ASSERT_TRUE(store_->WriteManifest(*ParseModelName("alpha"), m).ok());
  ASSERT_TRUE(store_->WriteManifest(*ParseModelName("me/beta:v1"), m).ok());
  Result<std::vector<ListedModel>> list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  std::set<std::string> names;
  for (const ListedModel& l : *list) {
    names.insert(l.name.Display());
    EXPECT_EQ(l.digest_hex, Sha256Hex(EncodeManifest(m)));
  }
  EXPECT_EQ(names, (std::set<std::string>{"alpha:latest", "me/beta:v1"}));
  EXPECT_TRUE(fs::is_regular_file(root_ / "manifests/registry.ollama.ai/library/alpha/latest"));
  EXPECT_TRUE(fs::is_regular_file(root_ / "manifests/registry.ollama.ai/me/beta/v1"));
}

TEST_F(StoreTest, RemoveAndPrune) {
  const Manifest a = OneLayer("weights a");
  const Manifest b = OneLayer("weights b");
  ASSERT_TRUE(store_->WriteManifest(*ParseModelName("a"), a).ok());
  ASSERT_TRUE(store_->WriteManifest(*ParseModelName("b"), b).ok());
  std::ofstream(root_ / "blobs" / ".tmp-999-leftover") << "partial";
  ASSERT_TRUE(store_->RemoveManifest(*ParseModelName("a")).ok());
  EXPECT_FALSE(fs::exists(root_ / "manifests/registry.ollama.ai/library/a"));  // empty folders go too
  Result<int> pruned = store_->Prune();
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 2);  // a's weights and the leftover; the shared config stays
  EXPECT_FALSE(fs::exists(*store_->BlobPath(a.layers[0].digest)));
  EXPECT_TRUE(fs::exists(*store_->BlobPath(b.layers[0].digest)));
  EXPECT_TRUE(fs::exists(*store_->BlobPath(b.config.digest)));
  EXPECT_EQ(store_->RemoveManifest(*ParseModelName("a")).code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, ExclusiveLockWaitsForSharedHolders) {
  // A child holds the shared lock (a create in progress) for a while; the exclusive lock (prune) is only
  // granted once it has let go, which the child marks by writing a file just before it exits.
  const fs::path released = root_ / "released";
  const pid_t child = ::fork();
  if (child == 0) {
    Result<StoreLock> lock = store_->LockShared();
    std::ofstream(root_ / "holding") << "1";
    ::usleep(300 * 1000);
    std::ofstream(released) << "1";
    ::_exit(lock.ok() ? 0 : 1);
  }
  while (!fs::exists(root_ / "holding")) ::usleep(1000);
  Result<StoreLock> exclusive = store_->LockExclusive();
  ASSERT_TRUE(exclusive.ok());
  EXPECT_TRUE(fs::exists(released));
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace corral::store

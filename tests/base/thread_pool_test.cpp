#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace corral {
namespace {

TEST(ThreadPool, EveryThreadRunsOncePerRun) {
  ThreadPool pool(3);
  ASSERT_EQ(pool.size(), 3);
  for (int round = 0; round < 1000; ++round) {
    std::vector<std::atomic<int>> hits(3);
    pool.Run([&](int ith, int nth) {
      EXPECT_EQ(nth, 3);
      hits[ith].fetch_add(1);
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1) << "round " << round;
  }
}

TEST(ThreadPool, ParallelForCoversTheRangeOnceInWholeGrains) {
  ThreadPool pool(2);
  for (int64_t n : {0, 1, 7, 64, 1001}) {
    std::vector<std::atomic<int>> seen(n);
    pool.ParallelFor(n, 4, [&](int64_t begin, int64_t end) {
      EXPECT_EQ(begin % 4, 0);
      for (int64_t i = begin; i < end; ++i) seen[i].fetch_add(1);
    });
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

TEST(ThreadPool, SingleThreadRunsInline) {
  ThreadPool pool(1);
  int calls = 0;
  pool.Run([&](int ith, int nth) {
    EXPECT_EQ(ith, 0);
    EXPECT_EQ(nth, 1);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
}

TEST(ThreadPool, WorkersWakeAfterSleeping) {
  ThreadPool pool(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // past the spin phase: workers now wait
  std::atomic<int> sum{0};
  pool.Run([&](int ith, int) { sum += ith + 1; });
  EXPECT_EQ(sum.load(), 3);
}

}  // namespace
}  // namespace corral

// One persistent pool of worker threads for the kernels. Run(fn) executes fn(thread_index, n_threads) on
// every thread at once (the calling thread is index 0) and returns when all have finished. Work is split by
// the callee, usually by output rows.
//
// Decode issues a few hundred Run() calls per token, each a few microseconds of work, so waking workers
// must cost far less than a condition variable round trip: workers spin on a generation counter for a while
// before sleeping on it (std::atomic::wait), and the caller spins on the completion count.
//
// Thread safety: one Run() at a time per pool (the engine owns its pool). Run() is not reentrant.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <vector>

namespace corral {

class ThreadPool {
 public:
  // n_threads counts the caller; 0 means one per hardware thread.
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  template <typename Fn>
  void Run(Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    RunErased([](void* ctx, int ith, int nth) { (*static_cast<F*>(ctx))(ith, nth); },
              const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Splits [0, n) into n_threads contiguous ranges of whole `grain`s and calls fn(begin, end) on each
  // non-empty one.
  template <typename Fn>
  void ParallelFor(int64_t n, int64_t grain, Fn&& fn) {
    Run([&](int ith, int nth) {
      const int64_t chunks = (n + grain - 1) / grain;
      const int64_t begin = chunks * ith / nth * grain;
      const int64_t end = std::min<int64_t>(n, chunks * (ith + 1) / nth * grain);
      if (begin < end) fn(begin, end);
    });
  }

 private:
  using TaskFn = void (*)(void* ctx, int ith, int nth);
  void RunErased(TaskFn fn, void* ctx);
  void WorkerLoop(int ith);

  int n_threads_;
  std::vector<std::thread> workers_;
  TaskFn task_ = nullptr;
  void* task_ctx_ = nullptr;
  alignas(64) std::atomic<uint32_t> generation_{0};
  alignas(64) std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace corral

// parallel.hpp: a parallel loop whose progress and cancel stay on the calling thread.
//
// The glue's Progress may only be called from the backend's own thread, so workers never
// call it: the caller works like a worker and, between its chunks, reports the shared
// count. A cancel thrown by Report (or any exception of a worker) stops every thread at
// its next chunk; the threads are joined before the exception leaves ParallelFor, so no
// thread outlives the data it reads. Chunks of `chunk` items are taken from an atomic
// counter (dynamic balance: name comparisons cost more than code comparisons). Workers
// start with every signal blocked: in a PostgreSQL backend the signal handlers (cancel,
// terminate, latches) must run on the backend's own thread, which keeps its mask.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/util/progress.hpp"

namespace nightjar::core::resolve {

// SignalsBlocked blocks every signal on the calling thread for its lifetime (threads
// started meanwhile inherit the mask) and restores the previous mask.
class SignalsBlocked {
  public:
    SignalsBlocked() {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &previous_);
    }
    ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
    SignalsBlocked(const SignalsBlocked&) = delete;
    SignalsBlocked& operator=(const SignalsBlocked&) = delete;

  private:
    sigset_t previous_;
};

// ParallelFor calls fn(begin, end, thread_index) over [0, n) in chunks on `threads` threads.
template <typename Fn>
void ParallelFor(size_t n, int threads, size_t chunk, Progress& progress, Fn fn) {
    std::atomic<size_t> next{0}, done{0};
    std::atomic<bool> stop{false};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&](int index, bool report) {
        for (;;) {
            if (stop.load(std::memory_order_relaxed)) return;
            size_t begin = next.fetch_add(chunk);
            if (begin >= n) return;
            size_t end = std::min(n, begin + chunk);
            fn(begin, end, index);
            size_t total = done.fetch_add(end - begin) + (end - begin);
            if (report) progress.Report(static_cast<int64_t>(total), static_cast<int64_t>(n));
        }
    };
    std::vector<std::thread> pool;
    int extra = std::max(0, threads - 1);
    try {
        SignalsBlocked blocked;  // the workers start with every signal blocked
        for (int t = 1; t <= extra; ++t) {
            pool.emplace_back([&, t] {
                try {
                    work(t, false);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(error_mutex);
                    if (!error) error = std::current_exception();
                    stop = true;
                }
            });
        }
    } catch (...) {
        stop = true;  // a thread could not start: stop those that did
        for (auto& th : pool) th.join();
        throw;
    }
    try {
        work(0, true);
    } catch (...) {
        stop = true;
        for (auto& th : pool) th.join();
        throw;
    }
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"

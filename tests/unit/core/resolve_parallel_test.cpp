// resolve_parallel_test.cpp: ParallelFor covers its range once, keeps signals off its
// workers (PostgreSQL's handlers must run on the backend thread) and passes errors on.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/resolve/parallel.hpp"

namespace nightjar::core::resolve {
namespace {

// SigintBlocked says whether SIGINT is blocked on the calling thread.
bool SigintBlocked() {
    sigset_t current;
    pthread_sigmask(SIG_BLOCK, nullptr, &current);
    return sigismember(&current, SIGINT) == 1;
}

TEST(ResolveParallel, CoversEachItemOnce) {
    std::vector<std::atomic<int>> seen(10007);
    ParallelFor(seen.size(), 3, 64, NoProgress(), [&](size_t begin, size_t end, int) {
        for (size_t i = begin; i < end; ++i) seen[i]++;
    });
    for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].load(), 1) << "item " << i;
}

TEST(ResolveParallel, WorkersBlockSignalsAndTheCallerKeepsItsMask) {
    ASSERT_FALSE(SigintBlocked());
    std::atomic<int> worker_chunks{0}, worker_unblocked{0}, caller_blocked{0};
    ParallelFor(4096, 2, 1, NoProgress(), [&](size_t, size_t, int thread) {
        if (thread == 0) {
            caller_blocked += SigintBlocked();
            // Leave the worker a chunk: wait (at most 10 s) until it has taken one.
            auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (worker_chunks.load() == 0 && std::chrono::steady_clock::now() < until)
                std::this_thread::yield();
        } else {
            worker_chunks++;
            worker_unblocked += !SigintBlocked();
        }
    });
    EXPECT_GT(worker_chunks.load(), 0);  // the worker did run (the caller waited for it)
    EXPECT_EQ(worker_unblocked.load(), 0);
    EXPECT_EQ(caller_blocked.load(), 0);
    EXPECT_FALSE(SigintBlocked());
}

TEST(ResolveParallel, AWorkersErrorReachesTheCaller) {
    EXPECT_THROW(ParallelFor(100000, 2, 1, NoProgress(),
                             [&](size_t begin, size_t, int thread) {
                                 if (thread == 1 || begin == 99999) throw std::runtime_error("x");
                             }),
                 std::runtime_error);
}

}  // namespace
}  // namespace nightjar::core::resolve

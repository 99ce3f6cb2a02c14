// util_progress_test.cpp: the cancel and progress hook — ProgressTicker's cadence, and
// exact percentiles reporting while they scan and stopping when the hook throws.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "core/stats/percentiles.hpp"
#include "core/util/progress.hpp"

namespace nightjar::core {
namespace {

// CountingProgress records the reports it gets and throws after `cancel_after` of them.
class CountingProgress : public Progress {
  public:
    explicit CountingProgress(int cancel_after = -1) : cancel_after_(cancel_after) {}
    // Report counts the call, remembers the figures and throws when the budget is spent.
    void Report(int64_t done, int64_t total) override {
        ++calls;
        last_done = done;
        last_total = total;
        if (cancel_after_ >= 0 && calls > cancel_after_) throw std::runtime_error("cancelled");
    }
    int calls = 0;
    int64_t last_done = 0, last_total = 0;

  private:
    int cancel_after_;
};

// Values returns n pseudo-random doubles (a fixed LCG, so the test is repeatable).
std::vector<double> Values(size_t n) {
    std::vector<double> v(n);
    uint64_t s = 7;
    for (double& x : v) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x = static_cast<double>(s >> 11);
    }
    return v;
}

TEST(ProgressTicker, ReportsOnceEveryNUnits) {
    CountingProgress p;
    ProgressTicker t(p, 100, 10);
    for (int i = 0; i < 95; ++i) t.Tick();
    EXPECT_EQ(p.calls, 9);
    EXPECT_EQ(p.last_done, 90);
    EXPECT_EQ(p.last_total, 100);
    t.Tick(20);  // a big step reports once
    EXPECT_EQ(p.calls, 10);
    EXPECT_EQ(t.Done(), 115);
}

TEST(ProgressTicker, NoProgressIgnoresReports) {
    ProgressTicker t(NoProgress(), 0, 1);
    for (int i = 0; i < 1000; ++i) t.Tick();
    EXPECT_EQ(t.Done(), 1000);
}

TEST(PercentilesProgress, ReportsWhileScanningAHugeArray) {
    std::vector<double> v = Values(size_t{1} << 22);  // 4 Mi values: several reports
    CountingProgress p;
    std::vector<double> got = stats::PercentilesCont(v, {0.5}, p);
    EXPECT_GE(p.calls, 4);  // the start, then about every 1 Mi values scanned
    std::vector<double> w = Values(size_t{1} << 22);
    EXPECT_EQ(got, stats::PercentilesCont(w, {0.5}));  // the hook changes nothing
}

TEST(PercentilesProgress, AThrowingHookStopsTheComputation) {
    std::vector<double> v = Values(size_t{1} << 22);
    CountingProgress p(/*cancel_after=*/2);
    EXPECT_THROW(stats::PercentilesCont(v, {0.1, 0.9}, p), std::runtime_error);
    EXPECT_EQ(p.calls, 3);  // it stopped at the first report past the budget
}

TEST(PercentilesProgress, SmallInputsReportOnlyTheStart) {
    std::vector<double> v = Values(1000);
    CountingProgress p;
    stats::PercentilesCont(v, {0.5}, p);
    EXPECT_EQ(p.calls, 1);
    EXPECT_EQ(p.last_done, 0);
    EXPECT_EQ(p.last_total, 1000);
}

}  // namespace
}  // namespace nightjar::core

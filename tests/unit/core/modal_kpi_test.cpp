// modal_kpi_test.cpp: levels exactly at thresholds, deviations, policy invariants, the
// global score on the hand-worked example of docs/monitoring.md, one state end to end,
// and the batch's progress/cancel hook.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/modal/kpi.hpp"
#include "core/modal/levels.hpp"
#include "core/modal/policy.hpp"

namespace nightjar::core::modal {
namespace {

constexpr double kTol = 1e-12;

TEST(Levels, ThresholdBelongsToTheLevelAbove) {
    const Thresholds4 t = {0.1, 0.2, 0.3, 0.4};
    EXPECT_EQ(LevelOf(0.0, t), 1);
    EXPECT_EQ(LevelOf(std::nextafter(0.1, 0.0), t), 1);
    EXPECT_EQ(LevelOf(0.1, t), 2);
    EXPECT_EQ(LevelOf(std::nextafter(0.2, 0.0), t), 2);
    EXPECT_EQ(LevelOf(0.2, t), 3);
    EXPECT_EQ(LevelOf(0.3, t), 4);
    EXPECT_EQ(LevelOf(std::nextafter(0.4, 0.0), t), 4);
    EXPECT_EQ(LevelOf(0.4, t), 5);
    EXPECT_EQ(LevelOf(1e300, t), 5);
    // Equal thresholds skip a level: a value at 0.2 reaches both.
    EXPECT_EQ(LevelOf(0.2, {0.1, 0.2, 0.2, 0.4}), 4);
    EXPECT_THROW(LevelOf(NAN, t), InvalidArgument);
}

TEST(Levels, ChecksThresholdOrder) {
    EXPECT_NO_THROW(CheckThresholds({0.1, 0.1, 0.2, 0.3}, false, "t"));
    EXPECT_THROW(CheckThresholds({0.1, 0.1, 0.2, 0.3}, true, "t"), InvalidArgument);
    EXPECT_THROW(CheckThresholds({0.2, 0.1, 0.2, 0.3}, false, "t"), InvalidArgument);
    EXPECT_THROW(CheckThresholds({0.1, NAN, 0.2, 0.3}, false, "t"), InvalidArgument);
}

TEST(Levels, Deviations) {
    EXPECT_NEAR(Deviation(1.9, 2.0, false), 0.1, kTol);
    EXPECT_NEAR(Deviation(1.9, 2.0, true), 0.05, kTol);
    EXPECT_NEAR(Deviation(-1.0, -2.0, true), 0.5, kTol);
    EXPECT_THROW(Deviation(1.0, 0.0, true), InvalidArgument);
}

// ExamplePolicy is the hand-worked policy of docs/monitoring.md: 2 modes, 2 sensors.
Policy ExamplePolicy() {
    Policy p;
    p.version = 1;
    p.beta = {0, 1, 2, 4, 8};
    p.rho = 0.75;
    p.global = {0.1, 0.25, 0.5, 0.75};
    p.alpha = {{0.4, 0.2, 0.1, 0.3}, {0.25, 0.25, 0.25, 0.25}};
    p.phi = {0.6, 0.4};
    KpiThresholds t;
    t.absolute = {0.1, 0.2, 0.3, 0.4};
    t.relative = {0.01, 0.02, 0.05, 0.1};
    p.local.assign(2, {t, t, t, t});
    p.comac.assign(2, t);
    return p;
}

TEST(GlobalScore, HandWorkedExampleOfTheDocs) {
    const Policy p = ExamplePolicy();
    StateKpis k;
    // mode 1: frequency L3, damping L1, MCF L2, MAC L1; mode 2: L5, L2, L1, L4
    k.level[kFrequency] = {3, 5};
    k.level[kDamping] = {1, 2};
    k.level[kMcf] = {2, 1};
    k.level[kMac] = {1, 4};
    k.comac_level = {2, 4};
    GlobalScore(p, k);
    // mode 1: 0.4·2 + 0.2·0 + 0.1·1 + 0.3·0 = 0.9; mode 2: 0.25·(8 + 1 + 0 + 4) = 3.25
    EXPECT_NEAR(k.local_points, (0.9 + 3.25) / 2, kTol);   // 2.075
    EXPECT_NEAR(k.comac_points, 0.6 * 1 + 0.4 * 4, kTol);  // 2.2
    // (0.75 · 2.075 + 0.25 · 2.2) / 8 = 2.10625 / 8
    EXPECT_NEAR(k.score, 0.26328125, kTol);
    EXPECT_EQ(k.global_level, 3);  // 0.25 ≤ S < 0.5
}

TEST(GlobalScore, GlobalThresholdIsInclusive) {
    Policy p = ExamplePolicy();
    StateKpis k;
    for (int t = 0; t < kLocalKpis; ++t) k.level[t] = {2, 2};
    k.comac_level = {2, 2};
    p.global = {0.1, 0.125, 0.5, 0.75};  // every KPI at L2: S = 1 / 8 = 0.125 exactly
    GlobalScore(p, k);
    EXPECT_EQ(k.score, 0.125);
    EXPECT_EQ(k.global_level, 3);
}

TEST(Policy, InvariantsAreChecked) {
    EXPECT_NO_THROW(ExamplePolicy().Check());
    Policy p = ExamplePolicy();
    p.alpha[1][0] = 0.3;  // row sums to 1.05
    EXPECT_THROW(p.Check(), InvalidArgument);
    p = ExamplePolicy();
    p.phi = {0.5, 0.4};
    EXPECT_THROW(p.Check(), InvalidArgument);
    p = ExamplePolicy();
    p.rho = 1.5;
    EXPECT_THROW(p.Check(), InvalidArgument);
    p = ExamplePolicy();
    p.global = {0.1, 0.5, 0.5, 0.75};
    EXPECT_THROW(p.Check(), InvalidArgument);
    p = ExamplePolicy();
    p.beta = {0, 2, 1, 4, 8};
    EXPECT_THROW(p.Check(), InvalidArgument);
}

TEST(Policy, ParsesTheGluesJson) {
    const std::string t =
        R"({"absolute": [0.1, 0.2, 0.3, 0.4], "relative": [0.01, 0.02, 0.05, 0.1]})";
    const std::string json = R"([{"version": 7, "beta": [0, 1, 2, 4, 8], "rho": 0.75,
        "global": [0.1, 0.25, 0.5, 0.75], "alpha": [[0.4, 0.2, 0.1, 0.3], [0.25, 0.25, 0.25, 0.25]],
        "phi": [0.6, 0.4], "frequency": [)" +
                             t + "," + t + R"(], "damping": [)" + t + "," + t + R"(], "mcf": [)" +
                             t + "," + t + R"(], "mac": [)" + t + "," + t + R"(], "comac": [)" + t +
                             "," + t + "]}]";
    const auto policies = ParsePolicies(json);
    ASSERT_EQ(policies.count(7), 1u);
    const Policy& p = policies.at(7);
    EXPECT_EQ(p.alpha.size(), 2u);
    EXPECT_EQ(p.local[1][kMcf].relative[2], 0.05);
    EXPECT_EQ(p.rho, 0.75);
    EXPECT_THROW(ParsePolicies(R"([{"version": 1}])"), InvalidArgument);
}

TEST(EvaluateState, SwappedModesHandComputed) {
    // Reference: 2 modes, 1 sensor, shapes e1, e2; the state has its modes swapped and
    // mode 2's shape doubled: pairing 1→2, 2→1; relative frequency deviations
    // |1.9 − 2| / 2 = 0.05 and |5.5 − 5| / 5 = 0.1; MAC 1 and 1; COMAC 9 / 10.
    Policy p = ExamplePolicy();
    p.phi = {1.0};
    p.comac.resize(1);
    const double ref_f[] = {2.0, 5.0}, ref_d[] = {0.02, 0.03}, ref_m[] = {0.1, 0.2};
    const double ref_s[] = {1, 0, 0, 0, 1, 0};
    const double st_f[] = {5.5, 1.9}, st_d[] = {0.03, 0.02}, st_m[] = {0.2, 0.1};
    const double st_s[] = {0, 2, 0, 1, 0, 0};
    const ModalState ref{2, 1, ref_f, ref_d, ref_m, ref_s}, st{2, 1, st_f, st_d, st_m, st_s};
    StateKpis k;
    EvaluateState(st, ref, p, /*relative=*/true, k);
    EXPECT_EQ(k.pairing, (std::vector<int>{1, 0}));
    EXPECT_NEAR(k.value[kFrequency][0], 0.05, kTol);
    EXPECT_NEAR(k.value[kFrequency][1], 0.1, kTol);
    EXPECT_EQ(k.level[kFrequency], (std::vector<int>{4, 5}));  // 0.05 ≥ t3; 0.1 ≥ t4
    EXPECT_NEAR(k.value[kDamping][0], 0.0, kTol);
    EXPECT_NEAR(k.value[kMac][0], 1.0, kTol);
    EXPECT_EQ(k.level[kMac], (std::vector<int>{1, 1}));
    ASSERT_EQ(k.comac.size(), 1u);
    EXPECT_NEAR(k.comac[0], 0.9, kTol);
    // 1 − 0.9 is 0.09999999999999998 in doubles, just under t4 = 0.1: L4, not L5.
    EXPECT_EQ(k.comac_level[0], 4);
}

// CountingProgress counts reports and throws after `limit` of them.
class CountingProgress : public Progress {
  public:
    explicit CountingProgress(int limit) : limit_(limit) {}
    // Report counts the call and throws once the limit is passed.
    void Report(int64_t, int64_t total) override {
        last_total = total;
        if (++calls > limit_) throw std::runtime_error("cancelled");
    }
    int calls = 0;
    int64_t last_total = 0;

  private:
    int limit_;
};

TEST(EvaluateStates, ReportsProgressStopsOnCancelAndNamesTheFailingState) {
    const Policy p = [] {
        Policy x = ExamplePolicy();
        x.alpha.resize(1);
        x.local.resize(1);
        x.phi = {1.0};
        x.comac.resize(1);
        return x;
    }();
    const double f[] = {2.0}, d[] = {0.02}, m[] = {0.1}, s[] = {1, 0, 0}, zero[] = {0, 0, 0};
    const ModalState ok{1, 1, f, d, m, s};
    std::vector<KpiJob> jobs(1000, KpiJob{0, ok, ok, &p, false});
    std::vector<StateKpis> out;
    CountingProgress counting(100);
    EvaluateStates(jobs, out, counting);
    EXPECT_EQ(counting.calls, 3);  // every 256 states
    EXPECT_EQ(counting.last_total, 1000);
    EXPECT_EQ(out[999].global_level, 1);
    CountingProgress cancel(1);
    EXPECT_THROW(EvaluateStates(jobs, out, cancel), std::runtime_error);
    jobs[5].state_id = 42;
    jobs[5].state.shape = zero;
    try {
        EvaluateStates(jobs, out);
        FAIL();
    } catch (const InvalidArgument& e) {
        EXPECT_EQ(std::string(e.what()).rfind("state 42: mode shape b of mode 1 is all zero", 0),
                  0u)
            << e.what();
    }
}

}  // namespace
}  // namespace nightjar::core::modal

// stats_percentiles_test.cpp checks PercentilesCont against a full std::sort with
// PostgreSQL's percentile_cont interpolation, in PostgreSQL's float8 order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/stats/percentiles.hpp"

namespace nightjar::core::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// SortReference sorts a copy and applies percentile_cont's formula to each fraction.
std::vector<double> SortReference(std::vector<double> v, const std::vector<double>& fractions) {
    std::sort(v.begin(), v.end(), Float8Less);
    std::vector<double> out;
    for (double f : fractions) {
        const double pos = f * static_cast<double>(v.size() - 1);
        const size_t lo = static_cast<size_t>(std::floor(pos));
        const size_t hi = static_cast<size_t>(std::ceil(pos));
        out.push_back(hi == lo ? v[lo] : v[lo] + ((pos - std::floor(pos)) * (v[hi] - v[lo])));
    }
    return out;
}

// SameDouble compares bit-for-bit meaningfully (NaN equals NaN).
bool SameDouble(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

TEST(StatsPercentiles, MatchesSortReferenceOnRandomData) {
    std::mt19937_64 rng(2024);
    std::normal_distribution<double> dist(10.0, 3.0);
    const std::vector<double> fractions = {0.99, 0.0, 0.5, 0.25, 1.0, 0.95, 0.5, 0.001, 0.75, 0.1};
    for (size_t n : {1, 2, 3, 10, 101, 1000, 100000}) {
        SCOPED_TRACE(n);
        std::vector<double> v(n);
        for (double& x : v) x = dist(rng);
        const auto want = SortReference(v, fractions);
        std::vector<double> work = v;
        const auto got = PercentilesCont(work, fractions);
        ASSERT_EQ(got.size(), fractions.size());
        for (size_t i = 0; i < fractions.size(); ++i) {
            EXPECT_EQ(got[i], want[i]) << "fraction " << fractions[i];
        }
        std::sort(work.begin(), work.end());
        std::sort(v.begin(), v.end());
        EXPECT_EQ(work, v);  // reordered, not changed
    }
}

TEST(StatsPercentiles, SelectionMatchesSortOnHardInputs) {
    // 300,000 values take the sample-and-filter path of rank_select.hpp, 20,000 the
    // in-place quickselect; sorted, reversed and organ-pipe input, heavy ties, a 90% spike
    // (bands overflow: fallback), all-equal values, infinities and NaNs must all give
    // exactly the sorted answer.
    std::mt19937_64 rng(77);
    std::normal_distribution<double> dist(0.0, 1.0);
    for (size_t n : {20000, 300000}) {
        std::vector<std::vector<double>> inputs;
        std::vector<double> v(n);
        for (double& x : v) x = dist(rng);
        inputs.push_back(v);
        std::sort(v.begin(), v.end());
        inputs.push_back(v);
        std::reverse(v.begin(), v.end());
        inputs.push_back(v);
        for (size_t i = 0; i < n; ++i) v[i] = static_cast<double>(std::min(i, n - i));
        inputs.push_back(v);
        for (double& x : v) x = static_cast<double>(rng() % 3);
        inputs.push_back(v);
        for (double& x : v) x = rng() % 10 == 0 ? dist(rng) : 7.0;
        inputs.push_back(v);
        inputs.push_back(std::vector<double>(n, -2.5));
        for (double& x : v) {
            const uint64_t r = rng() % 100;
            x = r == 0 ? kInf : r == 1 ? -kInf : r < 7 ? kNaN : dist(rng);
        }
        inputs.push_back(v);
        const std::vector<std::vector<double>> fraction_sets = {
            {0.5, 0.95, 0.99}, {0.0, 1.0}, {0.999, 0.001, 0.5}, {0.3}, {0.5, 0.5000001, 0.9}};
        for (size_t k = 0; k < inputs.size(); ++k) {
            for (const auto& fractions : fraction_sets) {
                SCOPED_TRACE("n " + std::to_string(n) + ", input " + std::to_string(k) +
                             ", first fraction " + std::to_string(fractions[0]));
                const auto want = SortReference(inputs[k], fractions);
                std::vector<double> work = inputs[k];
                const auto got = PercentilesCont(work, fractions);
                for (size_t i = 0; i < fractions.size(); ++i) {
                    EXPECT_TRUE(SameDouble(got[i], want[i])) << got[i] << " vs " << want[i];
                }
            }
        }
    }
}

TEST(StatsPercentiles, EndpointsDuplicatesAndKnownValues) {
    std::vector<double> v = {5, 1, 4, 2, 3};
    EXPECT_EQ(PercentilesCont(v, {0.0, 1.0, 0.5, 0.125}), (std::vector<double>{1, 5, 3, 1.5}));
    std::vector<double> dup = {7, 7, 7, 1, 7, 9, 9};
    EXPECT_EQ(PercentilesCont(dup, {0.0, 0.5, 1.0, 0.9}),
              SortReference({7, 7, 7, 1, 7, 9, 9}, {0.0, 0.5, 1.0, 0.9}));
    std::vector<double> one = {42};
    EXPECT_EQ(PercentilesCont(one, {0.0, 0.3, 1.0}), (std::vector<double>{42, 42, 42}));
    std::vector<double> none_asked = {1, 2};
    EXPECT_TRUE(PercentilesCont(none_asked, {}).empty());
}

TEST(StatsPercentiles, Float8OrderingWithNaNAndInfinities) {
    // PostgreSQL sorts -Inf < finite < +Inf < NaN.
    const std::vector<double> v = {kNaN, 3.0, -kInf, kInf, 1.0, kNaN, 2.0};
    const std::vector<double> fractions = {0.0, 1.0 / 6, 0.5, 4.0 / 6, 5.0 / 6, 1.0, 0.75, 0.9};
    std::vector<double> work = v;
    const auto got = PercentilesCont(work, fractions);
    const auto want = SortReference(v, fractions);
    for (size_t i = 0; i < fractions.size(); ++i) {
        EXPECT_TRUE(SameDouble(got[i], want[i]))
            << fractions[i] << ": " << got[i] << " vs " << want[i];
    }
    // Sorted: -Inf, 1, 2, 3, +Inf, NaN, NaN.
    EXPECT_EQ(got[0], -kInf);
    EXPECT_EQ(got[1], 1.0);
    EXPECT_EQ(got[2], 3.0);
    EXPECT_EQ(got[3], kInf);
    EXPECT_TRUE(std::isnan(got[4]));
    EXPECT_TRUE(std::isnan(got[5]));  // the maximum is NaN
    EXPECT_TRUE(std::isnan(got[6]));  // +Inf + 0.5 * (NaN - Inf), as float8_lerp computes
    // Between 3 and +Inf the interpolation is +Inf.
    std::vector<double> again = v;
    EXPECT_EQ(PercentilesCont(again, {3.5 / 6})[0], kInf);
}

TEST(StatsPercentiles, RejectsBadFractionsAndEmptyInput) {
    std::vector<double> v = {1, 2, 3};
    try {
        PercentilesCont(v, {0.5, 1.5});
        FAIL() << "expected InvalidArgument";
    } catch (const InvalidArgument& e) {
        EXPECT_EQ(std::string(e.what()), "percentile value 1.5 is not between 0 and 1");
    }
    EXPECT_THROW(PercentilesCont(v, {-0.01}), InvalidArgument);
    EXPECT_THROW(PercentilesCont(v, {kNaN}), InvalidArgument);
    std::vector<double> empty;
    EXPECT_THROW(PercentilesCont(empty, {0.5}), InvalidArgument);
}

}  // namespace
}  // namespace nightjar::core::stats

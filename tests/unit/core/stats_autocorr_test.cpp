// stats_autocorr_test.cpp checks Lag1Autocorr against the NIST definition evaluated in
// long double with two passes, on series with large offsets and trends, plus the
// n < 2, constant and non-finite rules.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/stats/autocorr.hpp"

namespace nightjar::core::stats {
namespace {

// Reference evaluates r1 by its definition in long double (mean repaired by a second pass).
double Reference(const std::vector<double>& y) {
    const long double n = static_cast<long double>(y.size());
    long double s = 0;
    for (double v : y) s += v;
    long double mean = s / n, corr = 0;
    for (double v : y) corr += v - mean;
    mean += corr / n;
    long double num = 0, den = 0;
    for (size_t i = 0; i < y.size(); ++i) {
        den += (y[i] - mean) * (y[i] - mean);
        if (i > 0) num += (y[i] - mean) * (y[i - 1] - mean);
    }
    return static_cast<double>(num / den);
}

TEST(StatsAutocorr, MatchesDefinitionOnAr1SeriesWithOffsets) {
    std::mt19937_64 rng(99);
    std::normal_distribution<double> e(0.0, 1.0);
    for (double offset : {0.0, -50.0, 1e6, 1e9}) {
        for (double phi : {-0.8, 0.0, 0.6, 0.99}) {
            SCOPED_TRACE(testing::Message() << "offset " << offset << " phi " << phi);
            std::vector<double> y(20000);
            double state = 10.0;  // start away from the mean: y_1 is not a good shift
            for (double& v : y) {
                state = phi * state + e(rng);
                v = offset + state;
            }
            Lag1Autocorr a;
            for (double v : y) a.Add(v);
            ASSERT_TRUE(a.Value());
            EXPECT_EQ(a.Count(), 20000);
            EXPECT_NEAR(*a.Value(), Reference(y), 1e-13);
        }
    }
}

TEST(StatsAutocorr, TrendingSeries) {
    // A linear trend plus noise: strong positive lag-1 correlation, first value far
    // from the mean.
    std::mt19937_64 rng(3);
    std::normal_distribution<double> e(0.0, 0.1);
    std::vector<double> y(5000);
    for (size_t i = 0; i < y.size(); ++i) y[i] = 1e5 + 0.01 * static_cast<double>(i) + e(rng);
    Lag1Autocorr a;
    for (double v : y) a.Add(v);
    EXPECT_NEAR(*a.Value(), Reference(y), 1e-13);
}

TEST(StatsAutocorr, SmallAndDegenerateInputs) {
    Lag1Autocorr a;
    EXPECT_FALSE(a.Value());
    a.Add(1.0);
    EXPECT_FALSE(a.Value());  // n < 2
    a.Add(2.0);
    // Two values: deviations -0.5, 0.5: r1 = -0.25 / 0.5.
    EXPECT_DOUBLE_EQ(*a.Value(), -0.5);

    Lag1Autocorr c;
    for (int i = 0; i < 5; ++i) c.Add(4.0);
    EXPECT_FALSE(c.Value());  // zero variance

    Lag1Autocorr alt;  // NumAcc1-like exact case
    for (double v : {10000001.0, 10000003.0, 10000002.0}) alt.Add(v);
    EXPECT_DOUBLE_EQ(*alt.Value(), -0.5);
}

TEST(StatsAutocorr, NonFiniteGivesNaN) {
    for (double bad :
         {std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::infinity()}) {
        Lag1Autocorr a;
        a.Add(bad);
        EXPECT_FALSE(a.Value());  // n < 2 still NULL
        a.Add(1.0);
        a.Add(2.0);
        ASSERT_TRUE(a.Value());
        EXPECT_TRUE(std::isnan(*a.Value()));
        EXPECT_EQ(a.Count(), 3);
    }
}

}  // namespace
}  // namespace nightjar::core::stats

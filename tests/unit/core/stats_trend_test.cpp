// stats_trend_test.cpp checks LinearTrend against a long double two-pass least-squares
// reference, merge of partitions, the degenerate cases (PostgreSQL's regr_* rules), the
// non-finite policy and the byte form.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/errors.hpp"
#include "core/stats/trend.hpp"

namespace nightjar::core::stats {
namespace {

struct Pair {
    double y, x;
};

// Reference fits y = a + b x in long double with explicit residuals (two passes).
TrendSummary Reference(const std::vector<Pair>& v) {
    const long double n = static_cast<long double>(v.size());
    long double sx = 0, sy = 0;
    for (const Pair& p : v) {
        sx += p.x;
        sy += p.y;
    }
    const long double xb = sx / n, yb = sy / n;
    long double sxx = 0, syy = 0, sxy = 0;
    for (const Pair& p : v) {
        sxx += (p.x - xb) * (p.x - xb);
        syy += (p.y - yb) * (p.y - yb);
        sxy += (p.x - xb) * (p.y - yb);
    }
    const long double b = sxy / sxx, a = yb - b * xb;
    long double ssr = 0;
    for (const Pair& p : v) ssr += (p.y - a - b * p.x) * (p.y - a - b * p.x);
    const long double rsd = std::sqrt(ssr / (n - 2));
    TrendSummary r;
    r.n = static_cast<int64_t>(v.size());
    r.slope = static_cast<double>(b);
    r.intercept = static_cast<double>(a);
    r.r2 = static_cast<double>(sxy * sxy / (sxx * syy));
    r.residual_stddev = static_cast<double>(rsd);
    r.slope_stderr = static_cast<double>(rsd / std::sqrt(sxx));
    r.intercept_stderr = static_cast<double>(rsd * std::sqrt(1 / n + xb * xb / sxx));
    return r;
}

// ExpectClose compares every field of two summaries within a relative tolerance.
void ExpectClose(const TrendSummary& s, const TrendSummary& r, double tol) {
    EXPECT_EQ(s.n, r.n);
    const std::optional<double> TrendSummary::*fields[] = {&TrendSummary::slope,
                                                           &TrendSummary::intercept,
                                                           &TrendSummary::r2,
                                                           &TrendSummary::slope_stderr,
                                                           &TrendSummary::intercept_stderr,
                                                           &TrendSummary::residual_stddev};
    for (auto f : fields) {
        ASSERT_TRUE((s.*f).has_value());
        const double want = *(r.*f);
        EXPECT_LE(std::fabs(*(s.*f) - want), tol * std::fabs(want)) << *(s.*f) << " vs " << want;
    }
}

// Line draws n noisy points of y = a + b x around an x offset.
std::vector<Pair> Line(std::mt19937_64& rng, size_t n, double a, double b, double x0,
                       double noise) {
    std::uniform_real_distribution<double> ux(0.0, 100.0);
    std::normal_distribution<double> e(0.0, noise);
    std::vector<Pair> v(n);
    for (Pair& p : v) {
        p.x = x0 + ux(rng);
        p.y = a + b * p.x + e(rng);
    }
    return v;
}

TEST(StatsTrend, MatchesTwoPassReference) {
    std::mt19937_64 rng(5);
    for (double x0 : {0.0, 1e4, 1e7}) {
        SCOPED_TRACE(x0);
        const auto v = Line(rng, 5000, 3.0, -0.25, x0, 0.5);
        LinearTrend t;
        for (const Pair& p : v) t.Add(p.y, p.x);
        ExpectClose(t.Summary(), Reference(v), 1e-12);
    }
}

TEST(StatsTrend, MergeOfPartitionsEqualsOnePass) {
    std::mt19937_64 rng(77);
    // Partitions over disjoint x ranges (a time series split by time), one of them empty.
    std::vector<Pair> all;
    std::vector<LinearTrend> parts(5);
    for (size_t k = 0; k < parts.size(); ++k) {
        if (k == 2) continue;
        const auto v = Line(rng, 300 + 200 * k, 10.0, 2.0, 1000.0 * static_cast<double>(k), 3.0);
        for (const Pair& p : v) parts[k].Add(p.y, p.x);
        all.insert(all.end(), v.begin(), v.end());
    }
    LinearTrend merged;
    for (size_t k : {4, 2, 0, 3, 1}) merged.Merge(parts[k]);
    LinearTrend one;
    for (const Pair& p : all) one.Add(p.y, p.x);
    const TrendSummary r = Reference(all);
    ExpectClose(merged.Summary(), r, 1e-12);
    ExpectClose(one.Summary(), r, 1e-12);
}

TEST(StatsTrend, ExactLineAndDegenerateCases) {
    LinearTrend exact;
    for (int i = 0; i < 10; ++i) exact.Add(1.0 + 2.0 * i, static_cast<double>(i));
    TrendSummary s = exact.Summary();
    EXPECT_DOUBLE_EQ(*s.slope, 2.0);
    EXPECT_DOUBLE_EQ(*s.intercept, 1.0);
    EXPECT_DOUBLE_EQ(*s.r2, 1.0);
    EXPECT_EQ(*s.residual_stddev, 0.0);
    EXPECT_EQ(*s.slope_stderr, 0.0);

    EXPECT_EQ(LinearTrend().Summary().n, 0);
    EXPECT_FALSE(LinearTrend().Summary().slope);

    LinearTrend one;
    one.Add(5.0, 1.0);  // one point: no line (regr_slope NULL)
    EXPECT_EQ(one.Summary().n, 1);
    EXPECT_FALSE(one.Summary().slope || one.Summary().r2);

    LinearTrend same_x;
    for (double y : {1.0, 2.0, 3.0}) same_x.Add(y, 4.0);  // Sxx = 0
    EXPECT_FALSE(same_x.Summary().slope || same_x.Summary().intercept || same_x.Summary().r2);

    LinearTrend flat;
    for (double x : {1.0, 2.0, 3.0}) flat.Add(7.0, x);  // Syy = 0: regr_r2 returns 1
    s = flat.Summary();
    EXPECT_EQ(*s.slope, 0.0);
    EXPECT_EQ(*s.intercept, 7.0);
    EXPECT_EQ(*s.r2, 1.0);

    LinearTrend two;
    two.Add(1.0, 0.0);
    two.Add(3.0, 1.0);  // n = 2: a line, but no residual degrees of freedom
    s = two.Summary();
    EXPECT_DOUBLE_EQ(*s.slope, 2.0);
    EXPECT_FALSE(s.residual_stddev || s.slope_stderr || s.intercept_stderr);
}

TEST(StatsTrend, NonFiniteMakesEverythingNaN) {
    for (double bad :
         {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
        LinearTrend t;
        t.Add(1.0, 1.0);
        t.Add(2.0, bad);
        t.Add(3.0, 3.0);
        const TrendSummary s = t.Summary();
        EXPECT_EQ(s.n, 3);
        EXPECT_TRUE(std::isnan(*s.slope) && std::isnan(*s.intercept) && std::isnan(*s.r2));
        EXPECT_TRUE(std::isnan(*s.residual_stddev) && std::isnan(*s.slope_stderr));
        LinearTrend clean;
        clean.Add(1.0, 1.0);
        clean.Add(2.0, 2.0);
        LinearTrend dirty;
        dirty.Add(bad, 0.0);
        clean.Merge(dirty);
        EXPECT_TRUE(std::isnan(*clean.Summary().slope));
    }
}

TEST(StatsTrend, SerializeRoundTripAndRejectsBadBytes) {
    LinearTrend t;
    for (int i = 0; i < 7; ++i) t.Add(0.5 * i + (i % 2), static_cast<double>(i));
    char buf[LinearTrend::kSerializedSize];
    t.SerializeTo(buf);
    const LinearTrend back = LinearTrend::Deserialize(buf, sizeof(buf));
    char buf2[LinearTrend::kSerializedSize];
    back.SerializeTo(buf2);
    EXPECT_EQ(std::memcmp(buf, buf2, sizeof(buf)), 0);
    EXPECT_EQ(*back.Summary().slope, *t.Summary().slope);
    EXPECT_THROW(LinearTrend::Deserialize(buf, sizeof(buf) + 1), DataError);
    char bad[LinearTrend::kSerializedSize];
    std::memcpy(bad, buf, sizeof(buf));
    bad[0] = 2;
    EXPECT_THROW(LinearTrend::Deserialize(bad, sizeof(bad)), DataError);
    std::memcpy(bad, buf, sizeof(buf));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::memcpy(bad + 1 + 16 + 32, &nan, sizeof(nan));  // Sxx.hi
    EXPECT_THROW(LinearTrend::Deserialize(bad, sizeof(bad)), DataError);
}

}  // namespace
}  // namespace nightjar::core::stats

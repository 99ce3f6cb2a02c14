// stats_moments_test.cpp checks Moments against a naive two-pass long double reference,
// merge of random partitions against one pass, offsets of 1e8, the n = 0/1 rules, the
// non-finite policy (PostgreSQL's float8 avg/stddev/min/max) and the byte form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/errors.hpp"
#include "core/stats/moments.hpp"

namespace nightjar::core::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Reference {
    double mean, variance, variance_pop, skewness, kurtosis, min, max;
};

// TwoPass computes the definitions of docs/statistics.md naively in long double.
Reference TwoPass(const std::vector<double>& v) {
    const long double n = static_cast<long double>(v.size());
    long double sum = 0;
    for (double x : v) sum += x;
    long double mean = sum / n;
    long double correction = 0;  // the classic second pass that repairs the mean's rounding
    for (double x : v) correction += x - mean;
    mean += correction / n;
    long double m2 = 0, m3 = 0, m4 = 0;
    for (double x : v) {
        const long double d = x - mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    Reference r{};
    r.mean = static_cast<double>(mean);
    r.variance = static_cast<double>(m2 / (n - 1));
    r.variance_pop = static_cast<double>(m2 / n);
    const long double g1 = std::sqrt(n) * m3 / std::pow(m2, 1.5L);
    r.skewness = static_cast<double>(std::sqrt(n * (n - 1)) / (n - 2) * g1);
    const long double g2 = n * m4 / (m2 * m2) - 3;
    r.kurtosis = static_cast<double>(((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3)));
    r.min = *std::min_element(v.begin(), v.end());
    r.max = *std::max_element(v.begin(), v.end());
    return r;
}

// RelErr returns |a - b| / |b| (or |a - b| when b is 0).
double RelErr(double a, double b) {
    return b == 0 ? std::fabs(a - b) : std::fabs(a - b) / std::fabs(b);
}

// ExpectMatches compares a summary with the reference: mean and (co)variances within tol
// (relative), skewness and kurtosis within shape_tol (relative, absolute near 0).
void ExpectMatches(const MomentsSummary& s, const Reference& r, double tol, double shape_tol) {
    ASSERT_TRUE(s.mean && s.variance && s.stddev && s.variance_pop && s.stddev_pop && s.min &&
                s.max && s.skewness && s.kurtosis);
    EXPECT_LE(RelErr(*s.mean, r.mean), tol) << *s.mean << " vs " << r.mean;
    EXPECT_LE(RelErr(*s.variance, r.variance), tol) << *s.variance << " vs " << r.variance;
    EXPECT_LE(RelErr(*s.variance_pop, r.variance_pop), tol);
    EXPECT_LE(RelErr(*s.stddev, std::sqrt(r.variance)), tol);
    EXPECT_LE(RelErr(*s.stddev_pop, std::sqrt(r.variance_pop)), tol);
    EXPECT_LE(std::fabs(*s.skewness - r.skewness), shape_tol * (1 + std::fabs(r.skewness)))
        << *s.skewness << " vs " << r.skewness;
    EXPECT_LE(std::fabs(*s.kurtosis - r.kurtosis), shape_tol * (1 + std::fabs(r.kurtosis)))
        << *s.kurtosis << " vs " << r.kurtosis;
    EXPECT_EQ(*s.min, r.min);
    EXPECT_EQ(*s.max, r.max);
}

// Sample draws n values of a skewed distribution (exponential) scaled and shifted.
std::vector<double> Sample(std::mt19937_64& rng, size_t n, double offset, double scale) {
    std::exponential_distribution<double> dist(1.0);
    std::vector<double> v(n);
    for (double& x : v) x = offset + scale * dist(rng);
    return v;
}

TEST(StatsMoments, MatchesTwoPassLongDoubleReference) {
    std::mt19937_64 rng(42);
    for (double offset : {0.0, -3.5, 1e3, 1e6}) {
        SCOPED_TRACE(offset);
        const auto v = Sample(rng, 10000, offset, 2.0);
        Moments m;
        for (double x : v) m.Add(x);
        EXPECT_EQ(m.Count(), 10000);
        ExpectMatches(m.Summary(), TwoPass(v), 1e-13, 1e-12);
    }
}

TEST(StatsMoments, LargeOffsetKeepsVarianceDigits) {
    // 1e8 + N(0,1): a naive sum/sum-of-squares loses all digits of the variance here.
    std::mt19937_64 rng(7);
    std::normal_distribution<double> dist(0.0, 1.0);
    std::vector<double> v(100000);
    for (double& x : v) x = 1e8 + dist(rng);
    Moments m;
    double naive_sum = 0, naive_sumsq = 0;
    for (double x : v) {
        m.Add(x);
        naive_sum += x;
        naive_sumsq += x * x;
    }
    const Reference r = TwoPass(v);
    const MomentsSummary s = m.Summary();
    EXPECT_LE(RelErr(*s.mean, r.mean), 1e-15);
    EXPECT_LE(RelErr(*s.variance, r.variance), 1e-13);
    EXPECT_LE(std::fabs(*s.skewness - r.skewness), 1e-10);
    EXPECT_LE(std::fabs(*s.kurtosis - r.kurtosis), 1e-10);
    // The test can fail: the textbook formula is far off on the same data.
    const double n = static_cast<double>(v.size());
    const double naive_var = (naive_sumsq - naive_sum * naive_sum / n) / (n - 1);
    EXPECT_GT(RelErr(naive_var, r.variance), 1e-3);
}

TEST(StatsMoments, MergeOfRandomPartitionsEqualsOnePass) {
    std::mt19937_64 rng(1234);
    for (int trial = 0; trial < 20; ++trial) {
        SCOPED_TRACE(trial);
        // Partitions with very different means (up to 5e11, spread ~5: skewness and
        // kurtosis keep ~9 digits there) and sizes, some empty.
        std::vector<double> all;
        const int parts = 1 + static_cast<int>(rng() % 8);
        std::vector<Moments> states(parts);
        for (int p = 0; p < parts; ++p) {
            const size_t n = rng() % 4 == 0 ? 0 : 1 + rng() % 3000;
            const double offset =
                std::ldexp(static_cast<double>(rng() % 1000), static_cast<int>(rng() % 30));
            const auto v = Sample(rng, n, offset, 1.0 + static_cast<double>(rng() % 10));
            for (double x : v) states[p].Add(x);
            all.insert(all.end(), v.begin(), v.end());
        }
        if (all.size() < 4) continue;
        Moments one;
        for (double x : all) one.Add(x);
        // Merge in a random binary-tree-like order.
        while (states.size() > 1) {
            const size_t i = rng() % (states.size() - 1);
            states[i].Merge(states[i + 1]);
            states.erase(states.begin() + static_cast<long>(i) + 1);
        }
        const Reference r = TwoPass(all);
        ExpectMatches(states[0].Summary(), r, 1e-12, 1e-9);
        ExpectMatches(one.Summary(), r, 1e-12, 1e-9);
        EXPECT_EQ(states[0].Count(), one.Count());
    }
}

TEST(StatsMoments, MergeWithEmptyOnEitherSide) {
    Moments a, empty;
    for (double x : {1.0, 2.0, 4.0, 8.0}) a.Add(x);
    Moments left = empty;
    left.Merge(a);
    Moments right = a;
    right.Merge(empty);
    for (const Moments& m : {left, right}) {
        const MomentsSummary s = m.Summary();
        EXPECT_EQ(s.n, 4);
        EXPECT_DOUBLE_EQ(*s.mean, 3.75);
        EXPECT_DOUBLE_EQ(*s.variance, (2.75 * 2.75 + 1.75 * 1.75 + 0.25 * 0.25 + 4.25 * 4.25) / 3);
    }
    Moments e2;
    e2.Merge(empty);
    EXPECT_EQ(e2.Count(), 0);
}

TEST(StatsMoments, EmptyAndSingleValue) {
    const MomentsSummary e = Moments().Summary();
    EXPECT_EQ(e.n, 0);
    EXPECT_FALSE(e.mean || e.variance || e.stddev || e.variance_pop || e.stddev_pop || e.min ||
                 e.max || e.skewness || e.kurtosis);

    Moments one;
    one.Add(-2.5);
    const MomentsSummary s = one.Summary();
    EXPECT_EQ(s.n, 1);
    EXPECT_EQ(*s.mean, -2.5);
    EXPECT_EQ(*s.min, -2.5);
    EXPECT_EQ(*s.max, -2.5);
    EXPECT_EQ(*s.variance_pop, 0.0);
    EXPECT_EQ(*s.stddev_pop, 0.0);
    EXPECT_FALSE(s.variance || s.stddev || s.skewness || s.kurtosis);
}

TEST(StatsMoments, SkewnessAndKurtosisNeedEnoughValuesAndSpread) {
    Moments m;
    for (double x : {1.0, 2.0}) m.Add(x);
    EXPECT_FALSE(m.Summary().skewness);
    m.Add(4.0);
    ASSERT_TRUE(m.Summary().skewness);
    EXPECT_FALSE(m.Summary().kurtosis);
    // 1, 2, 4: G1 = sqrt(6)/1 * g1, g1 = sqrt(3) * m3 / m2^1.5 with deviations -4/3, -1/3, 5/3.
    const double m2 = 16.0 / 9 + 1.0 / 9 + 25.0 / 9;
    const double m3 = -64.0 / 27 - 1.0 / 27 + 125.0 / 27;
    EXPECT_NEAR(*m.Summary().skewness, std::sqrt(6.0) * std::sqrt(3.0) * m3 / std::pow(m2, 1.5),
                1e-14);
    m.Add(8.0);
    EXPECT_TRUE(m.Summary().kurtosis);

    Moments constant;
    for (int i = 0; i < 10; ++i) constant.Add(3.0);
    const MomentsSummary c = constant.Summary();
    EXPECT_EQ(*c.variance, 0.0);
    EXPECT_FALSE(c.skewness || c.kurtosis);  // M2 = 0: undefined, NULL
}

TEST(StatsMoments, NonFinitePolicyFollowsPostgres) {
    auto summary = [](std::initializer_list<double> values) {
        Moments m;
        for (double x : values) m.Add(x);
        return m.Summary();
    };
    // NaN anywhere: mean and moments NaN, max NaN (NaN sorts last), min ignores NaN.
    MomentsSummary s = summary({1.0, kNaN, 3.0, 4.0});
    EXPECT_EQ(s.n, 4);
    EXPECT_TRUE(std::isnan(*s.mean));
    EXPECT_TRUE(std::isnan(*s.variance) && std::isnan(*s.stddev) && std::isnan(*s.variance_pop));
    EXPECT_TRUE(std::isnan(*s.skewness) && std::isnan(*s.kurtosis));
    EXPECT_TRUE(std::isnan(*s.max));
    EXPECT_EQ(*s.min, 1.0);
    // Only +Inf: mean +Inf, variance NaN.
    s = summary({1.0, kInf, 3.0});
    EXPECT_EQ(*s.mean, kInf);
    EXPECT_TRUE(std::isnan(*s.variance));
    EXPECT_EQ(*s.max, kInf);
    EXPECT_EQ(*s.min, 1.0);
    // Only -Inf.
    s = summary({-kInf, 2.0});
    EXPECT_EQ(*s.mean, -kInf);
    EXPECT_EQ(*s.min, -kInf);
    EXPECT_EQ(*s.max, 2.0);
    // Both infinities: mean NaN.
    s = summary({kInf, -kInf, 0.0});
    EXPECT_TRUE(std::isnan(*s.mean));
    // All NaN: min and max NaN.
    s = summary({kNaN, kNaN});
    EXPECT_TRUE(std::isnan(*s.min) && std::isnan(*s.max));
    // One non-finite value: variance NULL (n < 2) but variance_pop NaN, like var_pop.
    s = summary({kInf});
    EXPECT_FALSE(s.variance);
    EXPECT_TRUE(std::isnan(*s.variance_pop));
    // Non-finite values in a merged partner have the same effect.
    Moments a, b;
    a.Add(1.0);
    a.Add(2.0);
    b.Add(kNaN);
    a.Merge(b);
    EXPECT_EQ(a.Count(), 3);
    EXPECT_TRUE(std::isnan(*a.Summary().mean));
}

TEST(StatsMoments, BlockBoundariesPartialBlocksAndNonFiniteInsideABlock) {
    // Moments buffers kBlockSize values and folds them two-pass: sizes around the block
    // size, merges of partial blocks and serialization of a partial block must all give
    // the reference statistics, and a non-finite value inside a full block must be
    // counted apart without disturbing the finite min.
    std::mt19937_64 rng(99);
    const size_t b = Moments::kBlockSize;
    for (size_t n : {b - 1, b, b + 1, 2 * b - 1, 2 * b, 2 * b + 1, 10 * b + 7}) {
        SCOPED_TRACE(n);
        const auto v = Sample(rng, n, 1e8, 1.0);
        Moments one;
        for (double x : v) one.Add(x);
        EXPECT_EQ(one.Count(), static_cast<int64_t>(n));
        ExpectMatches(one.Summary(), TwoPass(v), 1e-13, 1e-8);

        // Split at every kind of offset: both sides keep a partial block.
        const size_t cut = n / 3 + 1;
        Moments left, right;
        for (size_t i = 0; i < cut; ++i) left.Add(v[i]);
        for (size_t i = cut; i < n; ++i) right.Add(v[i]);
        left.Merge(right);
        ExpectMatches(left.Summary(), TwoPass(v), 1e-13, 1e-8);

        // The serialized form of a state with a partial block carries the block.
        char buf[Moments::kSerializedSize];
        right.SerializeTo(buf);
        const std::vector<double> tail(v.begin() + static_cast<long>(cut), v.end());
        if (tail.size() >= 4) {
            ExpectMatches(Moments::Deserialize(buf, sizeof(buf)).Summary(), TwoPass(tail), 1e-13,
                          1e-8);
        }
    }
    std::vector<double> v = Sample(rng, 3 * b, 5.0, 1.0);
    v[b + 5] = kNaN;
    v[2 * b + 1] = kInf;
    Moments m;
    for (double x : v) m.Add(x);
    const MomentsSummary s = m.Summary();
    EXPECT_EQ(s.n, static_cast<int64_t>(3 * b));
    EXPECT_TRUE(std::isnan(*s.mean));
    EXPECT_TRUE(std::isnan(*s.max));
    double finite_min = kInf;
    for (double x : v) {
        if (std::isfinite(x)) finite_min = std::min(finite_min, x);
    }
    EXPECT_EQ(*s.min, finite_min);
}

TEST(StatsMoments, SerializeRoundTripAndRejectsBadBytes) {
    Moments m;
    for (double x : {1.5, -2.0, 7.25, kInf, 3.0}) m.Add(x);
    char buf[Moments::kSerializedSize];
    m.SerializeTo(buf);
    const Moments back = Moments::Deserialize(buf, sizeof(buf));
    char buf2[Moments::kSerializedSize];
    back.SerializeTo(buf2);
    EXPECT_EQ(std::memcmp(buf, buf2, sizeof(buf)), 0);
    EXPECT_EQ(back.Count(), 5);
    EXPECT_EQ(*back.Summary().max, kInf);

    EXPECT_THROW(Moments::Deserialize(buf, sizeof(buf) - 1), DataError);
    EXPECT_THROW(Moments::Deserialize(nullptr, 0), DataError);
    char bad[Moments::kSerializedSize];
    std::memcpy(bad, buf, sizeof(buf));
    bad[0] = 99;  // version
    EXPECT_THROW(Moments::Deserialize(bad, sizeof(bad)), DataError);
    std::memcpy(bad, buf, sizeof(buf));
    const int64_t negative = -1;
    std::memcpy(bad + 1, &negative, sizeof(negative));  // n_finite
    EXPECT_THROW(Moments::Deserialize(bad, sizeof(bad)), DataError);
}

}  // namespace
}  // namespace nightjar::core::stats

// stats_tdigest_test.cpp measures the t-digest's rank error on 1e6 random values of three
// distributions and asserts the bounds documented in docs/statistics.md; it also checks
// merge against a digest of the union, the byte form (round trip, corrupt input), the
// exact small-input behaviour, bounded memory and argument errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/stats/percentiles.hpp"
#include "core/stats/tdigest.hpp"

namespace nightjar::core::stats {
namespace {

// RankError returns how far q lies from the rank interval [lo/n, hi/n] of est in sorted.
double RankError(const std::vector<double>& sorted, double est, double q) {
    const double n = static_cast<double>(sorted.size());
    const double lo =
        static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), est) - sorted.begin()) /
        n;
    const double hi =
        static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), est) - sorted.begin()) /
        n;
    if (q >= lo && q <= hi) return 0.0;
    return std::min(std::fabs(lo - q), std::fabs(hi - q));
}

// Draw returns n values of distribution kind 0 = uniform, 1 = normal, 2 = exponential.
std::vector<double> Draw(int kind, size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::normal_distribution<double> g(0.0, 1.0);
    std::exponential_distribution<double> e(1.0);
    std::vector<double> v(n);
    for (double& x : v) x = kind == 0 ? u(rng) : kind == 1 ? g(rng) : e(rng);
    return v;
}

struct Bound {
    double q;
    double max_rank_error;
};

// Documented bounds at compression 200 (measured maxima are 5-10x smaller, see the docs).
const Bound kBounds[] = {
    {0.001, 0.0005}, {0.5, 0.002}, {0.95, 0.002}, {0.99, 0.0005}, {0.999, 0.0002}};

TEST(StatsTDigest, RankErrorBoundsOnOneMillionValues) {
    const char* names[] = {"uniform", "normal", "exponential"};
    for (int kind = 0; kind < 3; ++kind) {
        SCOPED_TRACE(names[kind]);
        std::vector<double> v = Draw(kind, 1000000, 11 + kind);
        TDigest single;
        TDigest a, b, c;
        for (size_t i = 0; i < v.size(); ++i) {
            single.Add(v[i]);
            (i % 3 == 0 ? a : i % 3 == 1 ? b : c).Add(v[i]);
        }
        a.Merge(b);
        a.Merge(c);
        std::sort(v.begin(), v.end());
        EXPECT_EQ(single.Count(), 1000000);
        EXPECT_EQ(a.Count(), 1000000);
        EXPECT_EQ(single.Quantile(0.0), v.front());
        EXPECT_EQ(single.Quantile(1.0), v.back());
        EXPECT_LE(single.CentroidCount(), 200u);
        for (const Bound& bound : kBounds) {
            const double err_single = RankError(v, single.Quantile(bound.q), bound.q);
            const double err_merged = RankError(v, a.Quantile(bound.q), bound.q);
            std::printf("t-digest %-11s q=%.3f rank error %.6f (merged %.6f) bound %.4f\n",
                        names[kind], bound.q, err_single, err_merged, bound.max_rank_error);
            EXPECT_LE(err_single, bound.max_rank_error) << "q=" << bound.q;
            EXPECT_LE(err_merged, bound.max_rank_error) << "merged, q=" << bound.q;
        }
    }
}

// WorstCaseRankError is the k1 centroid size at q, 2 pi / delta sqrt(q (1 - q)): the most
// a centroid's linear interpolation can be off when the data inside one centroid are as
// uneven as possible (a density jump).
double WorstCaseRankError(double q, double compression) {
    return 2.0 * 3.14159265358979323846 / compression * std::sqrt(q * (1.0 - q));
}

TEST(StatsTDigest, MergeMatchesDigestOfUnion) {
    // Two partitions with different distributions (a parallel aggregate over a skewed
    // split); the mixture has a density jump at 2, right at q ~ 0.4.
    const auto x = Draw(1, 200000, 5);
    auto y = Draw(2, 300000, 6);
    for (double& v : y) v += 2.0;
    TDigest dx, dy, all;
    for (double v : x) {
        dx.Add(v);
        all.Add(v);
    }
    for (double v : y) {
        dy.Add(v);
        all.Add(v);
    }
    dx.Merge(dy);
    std::vector<double> sorted = x;
    sorted.insert(sorted.end(), y.begin(), y.end());
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(dx.Count(), all.Count());
    for (double q : {0.01, 0.1, 0.3, 0.4, 0.5, 0.6, 0.9, 0.99}) {
        const double rank_merged = RankError(sorted, dx.Quantile(q), q);
        const double rank_union = RankError(sorted, all.Quantile(q), q);
        std::printf("t-digest mixture q=%.2f rank error merged %.6f union %.6f worst case %.4f\n",
                    q, rank_merged, rank_union, WorstCaseRankError(q, 200));
        EXPECT_LE(rank_merged, WorstCaseRankError(q, 200)) << q;
        EXPECT_LE(rank_union, WorstCaseRankError(q, 200)) << q;
        if (q != 0.4) {  // away from the jump both stay within the smooth-data bound
            EXPECT_LE(rank_merged, 0.002) << q;
            EXPECT_LE(rank_union, 0.002) << q;
        }
    }
    EXPECT_EQ(dx.Quantile(0.0), sorted.front());
    EXPECT_EQ(dx.Quantile(1.0), sorted.back());
}

TEST(StatsTDigest, SmallInputsAreExactPercentiles) {
    std::mt19937_64 rng(8);
    std::normal_distribution<double> g(100.0, 15.0);
    for (size_t n : {1, 2, 5, 37, 127}) {  // at delta = 200 the first merge happens at n = 128
        std::vector<double> v(n);
        for (double& x : v) x = g(rng);
        TDigest t;
        for (double x : v) t.Add(x);
        const std::vector<double> qs = {0.0, 0.1, 0.25, 0.5, 0.9, 1.0};
        std::vector<double> work = v;
        const auto exact = PercentilesCont(work, qs);
        for (size_t i = 0; i < qs.size(); ++i)
            EXPECT_EQ(t.Quantile(qs[i]), exact[i]) << n << " " << qs[i];
    }
}

TEST(StatsTDigest, EmptyNonFiniteAndArgumentErrors) {
    TDigest t;
    EXPECT_EQ(t.Count(), 0);
    EXPECT_TRUE(std::isnan(t.Quantile(0.5)));
    t.Add(std::numeric_limits<double>::quiet_NaN());
    t.Add(std::numeric_limits<double>::infinity());
    t.Add(-std::numeric_limits<double>::infinity());
    EXPECT_EQ(t.Count(), 0);  // non-finite values are ignored
    t.Add(3.0);
    EXPECT_EQ(t.Count(), 1);
    EXPECT_EQ(t.Quantile(0.5), 3.0);
    EXPECT_THROW(t.Quantile(1.01), InvalidArgument);
    EXPECT_THROW(t.Quantile(-0.5), InvalidArgument);
    EXPECT_THROW(t.Quantile(std::numeric_limits<double>::quiet_NaN()), InvalidArgument);
    EXPECT_THROW(TDigest(5.0), InvalidArgument);
    EXPECT_THROW(TDigest(std::numeric_limits<double>::quiet_NaN()), InvalidArgument);
}

TEST(StatsTDigest, MemoryIsBoundedByCompression) {
    TDigest t;
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int i = 0; i < 100000; ++i) t.Add(u(rng));
    const size_t after_1e5 = t.MemoryBytes();
    for (int i = 0; i < 2000000; ++i) t.Add(u(rng));
    EXPECT_LE(t.MemoryBytes(), 64u * 1024u);
    EXPECT_LE(t.MemoryBytes(), after_1e5 + 4096u);
    EXPECT_LE(t.CentroidCount(), 200u);
}

TEST(StatsTDigest, SerializeRoundTrip) {
    TDigest t(100);
    for (double x : Draw(2, 50000, 3)) t.Add(x);
    const std::string bytes = t.Serialize();
    const TDigest back = TDigest::Deserialize(bytes.data(), bytes.size());
    EXPECT_EQ(back.Serialize(), bytes);
    EXPECT_EQ(back.Count(), t.Count());
    EXPECT_EQ(back.Compression(), 100.0);
    for (double q : {0.0, 0.01, 0.5, 0.99, 1.0}) EXPECT_EQ(back.Quantile(q), t.Quantile(q));
    const std::string empty = TDigest().Serialize();
    EXPECT_EQ(TDigest::Deserialize(empty.data(), empty.size()).Count(), 0);
}

TEST(StatsTDigest, CorruptBytesAreDataErrors) {
    TDigest t;
    for (double x : Draw(0, 20000, 4)) t.Add(x);
    const std::string good = t.Serialize();
    auto rejects = [](std::string bytes) {
        EXPECT_THROW(TDigest::Deserialize(bytes.data(), bytes.size()), DataError);
    };
    rejects("");
    rejects(good.substr(0, good.size() - 1));  // truncated
    rejects(good + std::string(16, '\0'));     // trailing centroid not announced
    std::string b = good;
    b[0] = 'X';
    rejects(b);  // magic
    b = good;
    b[4] = 7;
    rejects(b);  // version
    auto put_double = [&](std::string& s, size_t at, double v) { std::memcpy(&s[at], &v, 8); };
    b = good;
    put_double(b, 5, 1.0);  // compression out of range
    rejects(b);
    b = good;
    const int64_t wrong_count = t.Count() + 1;
    std::memcpy(&b[13], &wrong_count, 8);  // weights no longer add up
    rejects(b);
    const size_t first_centroid = 4 + 1 + 8 + 8 + 8 + 8 + 4;
    b = good;
    put_double(b, first_centroid, std::numeric_limits<double>::quiet_NaN());
    rejects(b);
    b = good;
    put_double(b, first_centroid, 0.99);  // out of order with the next mean
    rejects(b);
    b = good;
    put_double(b, first_centroid + 8, 0.5);  // fractional weight
    rejects(b);
    b = good;
    const uint32_t huge = 1u << 30;
    std::memcpy(&b[first_centroid - 4], &huge, 4);
    rejects(b);
    // Flipping any single byte either is rejected or still yields a usable digest.
    for (size_t i = 0; i < good.size(); ++i) {
        std::string f = good;
        f[i] = static_cast<char>(f[i] ^ 0x5a);
        try {
            const TDigest d = TDigest::Deserialize(f.data(), f.size());
            const double m = d.Quantile(0.5);
            EXPECT_FALSE(std::isinf(m));
        } catch (const DataError&) {
        }
    }
}

}  // namespace
}  // namespace nightjar::core::stats

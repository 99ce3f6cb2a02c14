// stats_core_bench.cpp: throughput of the statistics core's per-value work against named
// baselines measured in the same run (informational; nothing here is asserted).
//   Moments::Add        vs NaiveSumSumsq (sum and sum of squares in one loop: the
//                       fastest possible, and numerically unstable, variance)
//   LinearTrend::Add    vs NaiveRegression (five plain sums)
//   TDigest::Add        vs StdSortCopy (collecting and sorting the values, which exact
//                       percentiles need)
//   PercentilesCont     (.5, .95, .99 by selection, on a fresh copy) vs StdSortCopy
// Run: build/bench/stats_core_bench (add --benchmark_min_time=1 for steadier numbers).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <vector>

#include "core/stats/autocorr.hpp"
#include "core/stats/moments.hpp"
#include "core/stats/percentiles.hpp"
#include "core/stats/tdigest.hpp"
#include "core/stats/trend.hpp"

namespace {

using nightjar::core::stats::Lag1Autocorr;
using nightjar::core::stats::LinearTrend;
using nightjar::core::stats::Moments;
using nightjar::core::stats::TDigest;

// Values returns the same 1,000,000 pseudo-random doubles for every benchmark.
const std::vector<double>& Values() {
    static const std::vector<double> values = [] {
        std::mt19937_64 rng(1);
        std::normal_distribution<double> dist(1e3, 25.0);
        std::vector<double> v(1000000);
        for (double& x : v) x = dist(rng);
        return v;
    }();
    return values;
}

// BM_NaiveSumSumsq is the baseline: count, sum and sum of squares.
void BM_NaiveSumSumsq(benchmark::State& state) {
    const auto& v = Values();
    for (auto _ : state) {
        double sum = 0, sumsq = 0;
        for (double x : v) {
            sum += x;
            sumsq += x * x;
        }
        benchmark::DoNotOptimize(sum);
        benchmark::DoNotOptimize(sumsq);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(v.size()));
}
BENCHMARK(BM_NaiveSumSumsq);

// BM_MomentsAdd measures Moments::Add (compensated mean, M2-M4, min, max).
void BM_MomentsAdd(benchmark::State& state) {
    const auto& v = Values();
    for (auto _ : state) {
        Moments m;
        for (double x : v) m.Add(x);
        benchmark::DoNotOptimize(m);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(v.size()));
}
BENCHMARK(BM_MomentsAdd);

// BM_NaiveRegression is the baseline for the trend: five plain sums.
void BM_NaiveRegression(benchmark::State& state) {
    const auto& v = Values();
    for (auto _ : state) {
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, x = 0;
        for (double y : v) {
            sx += x;
            sy += y;
            sxx += x * x;
            syy += y * y;
            sxy += x * y;
            x += 1;
        }
        benchmark::DoNotOptimize(sx + sy + sxx + syy + sxy);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(v.size()));
}
BENCHMARK(BM_NaiveRegression);

// BM_LinearTrendAdd measures LinearTrend::Add (double-double co-moments).
void BM_LinearTrendAdd(benchmark::State& state) {
    const auto& v = Values();
    for (auto _ : state) {
        LinearTrend t;
        double x = 0;
        for (double y : v) t.Add(y, x++);
        benchmark::DoNotOptimize(t);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(v.size()));
}
BENCHMARK(BM_LinearTrendAdd);

// BM_Lag1AutocorrAdd measures Lag1Autocorr::Add (double-double sums).
void BM_Lag1AutocorrAdd(benchmark::State& state) {
    const auto& v = Values();
    for (auto _ : state) {
        Lag1Autocorr a;
        for (double x : v) a.Add(x);
        benchmark::DoNotOptimize(a.Value());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(v.size()));
}
BENCHMARK(BM_Lag1AutocorrAdd);

// BM_StdSortCopy is the baseline for quantiles: copy and sort everything.
void BM_StdSortCopy(benchmark::State& state) {
    const auto& v = Values();
    for (auto _ : state) {
        std::vector<double> copy = v;
        std::sort(copy.begin(), copy.end());
        benchmark::DoNotOptimize(copy.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(v.size()));
}
BENCHMARK(BM_StdSortCopy);

// BM_TDigestAdd measures TDigest::Add plus one quantile query.
void BM_TDigestAdd(benchmark::State& state) {
    const auto& v = Values();
    for (auto _ : state) {
        TDigest t;
        for (double x : v) t.Add(x);
        benchmark::DoNotOptimize(t.Quantile(0.99));
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(v.size()));
}
BENCHMARK(BM_TDigestAdd);

// BM_PercentilesCont measures copying the values and selecting three percentiles.
void BM_PercentilesCont(benchmark::State& state) {
    const auto& v = Values();
    const std::vector<double> fractions = {0.5, 0.95, 0.99};
    for (auto _ : state) {
        std::vector<double> copy = v;
        benchmark::DoNotOptimize(nightjar::core::stats::PercentilesCont(copy, fractions));
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(v.size()));
}
BENCHMARK(BM_PercentilesCont);

// BM_PercentilesContGroups is the same on 100 groups of 10,000 values (a GROUP BY).
void BM_PercentilesContGroups(benchmark::State& state) {
    const auto& v = Values();
    const std::vector<double> fractions = {0.5, 0.95, 0.99};
    for (auto _ : state) {
        for (size_t g = 0; g < 100; ++g) {
            std::vector<double> copy(v.begin() + static_cast<long>(g * 10000),
                                     v.begin() + static_cast<long>((g + 1) * 10000));
            benchmark::DoNotOptimize(nightjar::core::stats::PercentilesCont(copy, fractions));
        }
    }
    state.SetItemsProcessed(state.iterations() * 1000000);
}
BENCHMARK(BM_PercentilesContGroups);

}  // namespace

BENCHMARK_MAIN();

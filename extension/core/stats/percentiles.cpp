// percentiles.cpp implements exact percentiles by selection (design in percentiles.hpp).
#include "core/stats/percentiles.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numeric>
#include <string>

#include "core/errors.hpp"
#include "core/stats/rank_select.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::stats {

namespace {

// Rank describes the sorted positions one fraction needs.
struct Rank {
    int64_t first;
    int64_t second;
    double proportion;
};

// CheckFraction throws PostgreSQL's error for a fraction outside [0, 1] or NaN.
void CheckFraction(double f) {
    if (std::isnan(f) || f < 0.0 || f > 1.0) {
        char buf[96];
        std::snprintf(buf, sizeof(buf), "percentile value %g is not between 0 and 1", f);
        throw InvalidArgument(buf);
    }
}

}  // namespace

bool Float8Less(double a, double b) {
    // Float8Less puts NaN after everything else and treats two NaNs as equal.
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
    return a < b;
}

std::vector<double> PercentilesCont(std::vector<double>& values,
                                    const std::vector<double>& fractions, Progress& progress) {
    // PercentilesCont forwards the vector's storage to the array version.
    return PercentilesCont(values.data(), values.data() + values.size(), fractions, progress);
}

std::vector<double> PercentilesCont(double* begin, double* end,
                                    const std::vector<double>& fractions, Progress& progress) {
    // PercentilesCont selects each needed rank once, in ascending order, then interpolates.
    for (double f : fractions) CheckFraction(f);
    if (begin == nullptr || end <= begin) {
        throw InvalidArgument("percentiles of an empty set of values");
    }
    const int64_t n = end - begin;
    std::vector<Rank> ranks(fractions.size());
    for (size_t i = 0; i < fractions.size(); ++i) {
        // Same arithmetic as PostgreSQL's setup_pct_info (double positions).
        const double pos = fractions[i] * static_cast<double>(n - 1);
        const double lo = std::floor(pos);
        ranks[i] = {static_cast<int64_t>(lo), static_cast<int64_t>(std::ceil(pos)), pos - lo};
    }

    // The distinct sorted positions needed, ascending.
    std::vector<int64_t> needed;
    needed.reserve(2 * ranks.size());
    for (const Rank& r : ranks) {
        needed.push_back(r.first);
        needed.push_back(r.second);
    }
    std::sort(needed.begin(), needed.end());
    needed.erase(std::unique(needed.begin(), needed.end()), needed.end());

    // NaN is the greatest value in float8 order and all NaNs are equal: moving them to
    // the end once lets the selection use the plain < of doubles on the rest, and any
    // rank inside the NaN tail is NaN already.
    progress.Report(0, n);
    double* const nan_begin = std::partition(begin, end, [](double x) { return !std::isnan(x); });

    // Select the needed positions inside the NaN-free prefix; the others are NaN.
    const int64_t finite_n = nan_begin - begin;
    std::vector<int64_t> inside;
    for (int64_t k : needed) {
        if (k < finite_n) inside.push_back(k);
    }
    std::vector<double> at = SelectRanks(begin, nan_begin, inside, progress);
    at.resize(needed.size(), std::numeric_limits<double>::quiet_NaN());
    auto value_at = [&](int64_t k) {
        return at[static_cast<size_t>(std::lower_bound(needed.begin(), needed.end(), k) -
                                      needed.begin())];
    };

    std::vector<double> out(ranks.size());
    for (size_t i = 0; i < ranks.size(); ++i) {
        const double lo = value_at(ranks[i].first);
        if (ranks[i].second > ranks[i].first) {
            const double hi = value_at(ranks[i].second);
            out[i] = lo + (ranks[i].proportion * (hi - lo));
        } else {
            out[i] = lo;
        }
    }
    return out;
}

}  // namespace nightjar::core::stats

// rank_select.cpp implements rank selection by sample-and-filter with an in-place
// fallback (design in rank_select.hpp).
#include "core/stats/rank_select.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::stats {

namespace {

constexpr int64_t kMinSampled = int64_t{1} << 16;  // below this, selection in place is as cheap
constexpr int64_t kMaxSample = 16384;              // sample size for large arrays
constexpr size_t kMaxBands = 8;   // more rank groups: one pass per band costs too much
constexpr int64_t kChunk = 4096;  // values filtered between capacity checks
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kProgressEvery = int64_t{1}
                                   << 20;  // values scanned between progress reports (~1 ms)

// Band is one group of adjacent needed ranks with its value interval and the values in it.
struct Band {
    size_t first_rank_index = 0;  // into the ranks vector
    size_t last_rank_index = 0;
    double lo = 0.0;  // values in [lo, hi] are candidates
    double hi = 0.0;
    int64_t below = 0;  // how many values are < lo
    std::vector<double> candidates;
    int64_t count = 0;  // candidates written
};

// SplitMix64 advances a 64-bit state and returns the next pseudo-random number.
uint64_t SplitMix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// MakeBands groups adjacent ranks and gives each group a value interval from the sorted sample.
std::vector<Band> MakeBands(const std::vector<double>& sample, int64_t n,
                            const std::vector<int64_t>& ranks) {
    std::vector<Band> bands;
    const double s = static_cast<double>(sample.size());
    for (size_t i = 0; i < ranks.size();) {
        size_t j = i;
        while (j + 1 < ranks.size() && ranks[j + 1] <= ranks[j] + 2) ++j;
        const double p_lo = static_cast<double>(ranks[i]) / static_cast<double>(n);
        const double p_hi = static_cast<double>(ranks[j] + 1) / static_cast<double>(n);
        // Standard deviation of a sample quantile's position, in sample positions.
        const double sd = std::sqrt(std::max(p_lo * (1 - p_lo), p_hi * (1 - p_hi)) * s);
        const double half = 4.0 * sd + 8.0;
        const double i_lo = std::floor(p_lo * s - half);
        const double i_hi = std::ceil(p_hi * s + half);
        Band b;
        b.first_rank_index = i;
        b.last_rank_index = j;
        b.lo = i_lo < 0 ? -kInf : sample[static_cast<size_t>(i_lo)];
        b.hi = i_hi >= s ? kInf : sample[static_cast<size_t>(i_hi)];
        const double expected =
            (std::min(i_hi, s) - std::max(i_lo, 0.0)) / s * static_cast<double>(n);
        b.candidates.resize(
            static_cast<size_t>(std::min<double>(static_cast<double>(n), 2.0 * expected)) +
            static_cast<size_t>(kChunk));
        bands.push_back(std::move(b));
        i = j + 1;
    }
    return bands;
}

// FilterBands counts the values below each band and copies those inside it, branch-free,
// one cache-sized chunk at a time for all bands (the data is read from memory once); it
// returns false when a candidate buffer would overflow.
bool FilterBands(const double* begin, int64_t n, std::vector<Band>& bands, ProgressTicker& ticker) {
    for (int64_t start = 0; start < n; start += kChunk) {
        const int64_t stop = std::min(n, start + kChunk);
        ticker.Tick(stop - start);
        for (Band& b : bands) {
            if (b.count + kChunk > static_cast<int64_t>(b.candidates.size())) return false;
            const double lo = b.lo, hi = b.hi;
            double* out = b.candidates.data();
            int64_t below = b.below, count = b.count;
            for (int64_t i = start; i < stop; ++i) {
                const double x = begin[i];
                below += x < lo;
                out[count] = x;
                count += (x >= lo) & (x <= hi);
            }
            b.below = below;
            b.count = count;
        }
    }
    return true;
}

void SelectOne(double* first, double* last, double* target, ProgressTicker& ticker);

// SelectInPlace places each rank with SelectOne (or a minimum scan right after the
// previous rank), narrowing the range as the ranks ascend.
std::vector<double> SelectInPlace(double* begin, double* end, const std::vector<int64_t>& ranks,
                                  ProgressTicker& ticker) {
    std::vector<double> out(ranks.size());
    double* range_begin = begin;
    for (size_t i = 0; i < ranks.size(); ++i) {
        double* target = begin + ranks[i];
        if (target == range_begin) {
            ticker.Tick(end - range_begin);
            std::iter_swap(target, std::min_element(range_begin, end));
        } else {
            SelectOne(range_begin, end, target, ticker);
        }
        out[i] = *target;
        range_begin = target + 1;
    }
    return out;
}

// SelectBySample is strategy 1; it returns false when the caller must fall back.
bool SelectBySample(const double* begin, int64_t n, const std::vector<int64_t>& ranks,
                    std::vector<double>& out, ProgressTicker& ticker) {
    const int64_t s = std::min(kMaxSample, n / 64);
    std::vector<double> sample(static_cast<size_t>(s));
    uint64_t state = 0x6E696768746A6172ULL;  // fixed seed: results never depend on it, speed rarely
    for (double& v : sample) v = begin[SplitMix64(state) % static_cast<uint64_t>(n)];
    std::sort(sample.begin(), sample.end());
    std::vector<Band> bands = MakeBands(sample, n, ranks);
    if (bands.size() > kMaxBands) return false;
    if (!FilterBands(begin, n, bands, ticker)) return false;
    for (Band& b : bands) {
        const int64_t first = ranks[b.first_rank_index] - b.below;
        const int64_t last = ranks[b.last_rank_index] - b.below;
        if (first < 0 || last >= b.count) return false;
    }
    for (Band& b : bands) {
        std::vector<int64_t> local;
        for (size_t r = b.first_rank_index; r <= b.last_rank_index; ++r)
            local.push_back(ranks[r] - b.below);
        double* cb = b.candidates.data();
        const std::vector<double> values = SelectInPlace(cb, cb + b.count, local, ticker);
        std::copy(values.begin(), values.end(),
                  out.begin() + static_cast<long>(b.first_rank_index));
    }
    return true;
}

// PartitionBranchless moves the values < pivot to the front of [first, last) and returns
// the end of that part: Lomuto's scheme with an unconditional swap, so the loop has no
// data-dependent branch (std::nth_element's partition mispredicts about every other
// value on random data).
double* PartitionBranchless(double* first, double* last, double pivot) {
    double* l = first;
    for (double* r = first; r < last; ++r) {
        const double x = *r;
        *r = *l;
        *l = x;
        l += (x < pivot);
    }
    return l;
}

// SelectOne places the value of rank target - first of [first, last) at target, with
// everything before it <= it and everything after >= it: quickselect with branch-free
// partitions around a median-of-three pivot; after 2 log2(n) + 8 rounds (adversarial
// input, or heavy ties, which peel slowly) it hands over to std::nth_element, which
// bounds the worst case.
void SelectOne(double* first, double* last, double* target, ProgressTicker& ticker) {
    int budget = 2 * static_cast<int>(std::log2(static_cast<double>(last - first) + 1.0)) + 8;
    while (last - first > 32) {
        if (budget-- == 0) break;
        ticker.Tick(last - first);
        double* mid = first + (last - first) / 2;
        double* back = last - 1;
        if (*mid < *first) std::iter_swap(mid, first);
        if (*back < *mid) std::iter_swap(back, mid);
        if (*mid < *first) std::iter_swap(mid, first);
        std::iter_swap(first, mid);
        const double pivot = *first;
        double* split = PartitionBranchless(first + 1, last, pivot);
        double* p = split - 1;  // [first + 1, split) < pivot; put the pivot right after it
        std::iter_swap(first, p);
        if (target == p) return;
        if (target < p) {
            last = p;
        } else {
            first = p + 1;
        }
    }
    std::nth_element(first, target, last);
}

}  // namespace

std::vector<double> SelectRanksInPlace(double* begin, double* end,
                                       const std::vector<int64_t>& ranks, Progress& progress) {
    // SelectRanksInPlace is strategy 2 with its own progress ticker.
    ProgressTicker ticker(progress, end - begin, kProgressEvery);
    return SelectInPlace(begin, end, ranks, ticker);
}

std::vector<double> SelectRanks(double* begin, double* end, const std::vector<int64_t>& ranks,
                                Progress& progress) {
    // SelectRanks tries sample-and-filter on large arrays and falls back to selection in
    // place; both report every kProgressEvery values they scan.
    const int64_t n = end - begin;
    ProgressTicker ticker(progress, n, kProgressEvery);
    if (n >= kMinSampled && !ranks.empty()) {
        std::vector<double> out(ranks.size());
        if (SelectBySample(begin, n, ranks, out, ticker)) return out;
    }
    return SelectInPlace(begin, end, ranks, ticker);
}

}  // namespace nightjar::core::stats

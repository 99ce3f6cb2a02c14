// rank_select.hpp: the values at a few given ranks of an unsorted array of doubles
// (the selection step of exact percentiles).
//
// Design. Two strategies, the second one only as a fallback.
//  1. Sample and filter (large arrays, few rank groups): a fixed-seed pseudo-random
//     sample of about 16k values is sorted; for each group of adjacent needed ranks it
//     gives a value band [lo, hi] that contains those ranks with overwhelming
//     probability (+/- 4 standard deviations of the sample-quantile rank, plus slack).
//     One branch-free pass over the data counts the values below each band and copies
//     the values inside it into a small buffer (about 3% of n per band); the ranks are
//     then selected in those buffers. Cost: one streaming read of the data, no writes to
//     it and no unpredictable branches, instead of repeated partitioning of most of it.
//  2. In place (small arrays, many ranks, the candidates of a band, or when a band missed
//     its ranks — e.g. heavy ties or an unrepresentative sample): a quickselect per
//     distinct rank, ascending, on the shrinking range right of the previous rank, with
//     branch-free Lomuto partitions (no mispredicted branch per value, about twice as
//     fast as std::nth_element on random data) and median-of-three pivots, handing over
//     to std::nth_element after 2 log2(n) + 8 rounds so the worst case stays bounded;
//     a rank right after the one just placed is found by a linear minimum scan.
// Both give exactly the order statistics of the array (ties are equal values, so the
// choice among them does not matter); the sample only affects speed. The array must be
// free of NaN (the caller moves NaNs to the end first); comparisons are plain <.
// Both report to a Progress (core/util/progress.hpp) about every million values scanned,
// so a cancel stops a selection over a huge array within about a millisecond.
#pragma once

#include <cstdint>
#include <vector>

#include "core/util/progress.hpp"

namespace nightjar::core::stats {

// SelectRanks returns the value of each rank in `ranks` (ascending, distinct, each in
// [0, end - begin)) of the NaN-free array [begin, end), which may be reordered.
std::vector<double> SelectRanks(double* begin, double* end, const std::vector<int64_t>& ranks,
                                Progress& progress = NoProgress());

// SelectRanksInPlace is strategy 2 alone (exposed so tests can compare the two).
std::vector<double> SelectRanksInPlace(double* begin, double* end,
                                       const std::vector<int64_t>& ranks,
                                       Progress& progress = NoProgress());

}  // namespace nightjar::core::stats

#include "core/cpp_only.hpp"

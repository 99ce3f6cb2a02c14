// percentiles.hpp: exact continuous percentiles, identical to PostgreSQL's
// percentile_cont(float8[]) WITHIN GROUP (ORDER BY float8) (nightjar.percentiles).
//
// Design. Selection instead of sorting: the fractions are visited in ascending order of
// the ranks they need, and std::nth_element places each needed rank while the search
// range shrinks to the part right of the previous rank; expected cost is O(n) per
// distinct rank (O(n log n) only when many distinct ranks are asked), no extra memory
// beyond the caller's vector, which is reordered in place. NaNs are first partitioned
// to the end (so the selection compares with plain <), and the upper neighbour rank of
// an interpolation is found with a linear minimum scan instead of a second selection.
// Ordering is PostgreSQL's
// float8 order (-Inf < finite < +Inf < NaN, NaN equal to NaN), and the interpolation is
// PostgreSQL's float8_lerp: with pos = f (n - 1), lo/hi the values at ranks floor(pos)
// and ceil(pos), result = lo + (pos - floor(pos)) * (hi - lo), or lo alone when the two
// ranks coincide.
#pragma once

#include <vector>

namespace nightjar::core::stats {

// PercentilesCont returns, for each fraction in order, the value percentile_cont gives.
// values must be non-empty (InvalidArgument otherwise: the caller maps "no rows" to
// NULL) and is reordered; a fraction outside [0, 1] or NaN throws InvalidArgument
// ("percentile value %g is not between 0 and 1").
std::vector<double> PercentilesCont(std::vector<double>& values,
                                    const std::vector<double>& fractions);

// PercentilesCont is the same on the array [begin, end), reordered in place (the glue's
// palloc'd value buffer, so the values are not copied into a std::vector first).
std::vector<double> PercentilesCont(double* begin, double* end,
                                    const std::vector<double>& fractions);

// Float8Less orders doubles as PostgreSQL's float8 comparison does (NaN greatest).
bool Float8Less(double a, double b);

}  // namespace nightjar::core::stats

#include "core/cpp_only.hpp"

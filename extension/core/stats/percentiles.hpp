// percentiles.hpp: exact continuous percentiles, identical to PostgreSQL's
// percentile_cont(float8[]) WITHIN GROUP (ORDER BY float8) (nightjar.percentiles).
//
// Design. Selection instead of sorting: NaNs are first partitioned to the end (NaN is
// the greatest float8 and all NaNs are equal, so ranks in that tail are NaN), then the
// needed ranks (floor and ceil of each position) of the NaN-free prefix are selected by
// rank_select.hpp — sample-and-filter on large arrays, std::nth_element on shrinking
// ranges otherwise — in expected O(n) time for a few fractions, with extra memory of a
// few percent of n per fraction; the caller's array is reordered in place. Ordering is
// PostgreSQL's float8 order (-Inf < finite < +Inf < NaN, NaN equal to NaN), and the interpolation
// is PostgreSQL's float8_lerp: with pos = f (n - 1), lo/hi the values at ranks floor(pos) and
// ceil(pos), result = lo + (pos - floor(pos)) * (hi - lo), or lo alone when the two ranks coincide.
#pragma once

#include <vector>

#include "core/util/progress.hpp"

namespace nightjar::core::stats {

// PercentilesCont returns, for each fraction in order, the value percentile_cont gives.
// values must be non-empty (InvalidArgument otherwise: the caller maps "no rows" to
// NULL) and is reordered; a fraction outside [0, 1] or NaN throws InvalidArgument
// ("percentile value %g is not between 0 and 1").
// `progress` is told about every million values scanned and may cancel by throwing.
std::vector<double> PercentilesCont(std::vector<double>& values,
                                    const std::vector<double>& fractions,
                                    Progress& progress = NoProgress());

// PercentilesCont is the same on the array [begin, end), reordered in place (the glue's
// palloc'd value buffer, so the values are not copied into a std::vector first).
std::vector<double> PercentilesCont(double* begin, double* end,
                                    const std::vector<double>& fractions,
                                    Progress& progress = NoProgress());

// Float8Less orders doubles as PostgreSQL's float8 comparison does (NaN greatest).
bool Float8Less(double a, double b);

}  // namespace nightjar::core::stats

#include "core/cpp_only.hpp"

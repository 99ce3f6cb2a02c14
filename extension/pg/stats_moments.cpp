// stats_moments.cpp: nightjar.stats_agg(float8) → nightjar.stats, over the core's Moments
// (core/stats/moments.hpp), a fixed-size state (a block of buffered values plus the
// compact sums, about 1.2 KB) in the aggregate context; combine, serialise and
// deserialise (agg_fixed_state.hpp) make the aggregate usable in parallel plans.
#include "core/stats/moments.hpp"
#include "extension/pg/agg_fixed_state.hpp"

using nightjar::core::stats::Moments;
using namespace nightjar::pg;

// nightjar_stats_agg_trans adds one value (NULLs are skipped).
NIGHTJAR_FUNCTION(nightjar_stats_agg_trans) {
    Moments* state = FixedStateAggregate<Moments>::State(fcinfo, "stats_agg_trans");
    if (!PG_ARGISNULL(1)) state->Add(PG_GETARG_FLOAT8(1));
    PG_RETURN_POINTER(state);
}

NIGHTJAR_FIXED_STATE_AGGREGATE(stats_agg, Moments)

// nightjar_stats_agg_final forms the nightjar.stats row (count 0 and NULLs for no rows).
NIGHTJAR_FUNCTION(nightjar_stats_agg_final) {
    const Moments empty{};
    auto s = FixedStateAggregate<Moments>::Final(fcinfo, empty).Summary();
    return MakeCountAndFloat8Composite(fcinfo, s.n,
                                       {s.mean, s.variance, s.stddev, s.variance_pop, s.stddev_pop,
                                        s.min, s.max, s.skewness, s.kurtosis});
}

// stats_trend.cpp: nightjar.trend_agg(y float8, x float8) → nightjar.trend, ordinary
// least squares over the core's LinearTrend (core/stats/trend.hpp), a fixed-size state
// made parallel-safe by agg_fixed_state.hpp.
#include "core/stats/trend.hpp"
#include "extension/pg/agg_fixed_state.hpp"

using nightjar::core::stats::LinearTrend;
using namespace nightjar::pg;

// nightjar_trend_agg_trans adds one (y, x) pair (pairs with a NULL are skipped).
NIGHTJAR_FUNCTION(nightjar_trend_agg_trans) {
    LinearTrend* state = FixedStateAggregate<LinearTrend>::State(fcinfo, "trend_agg_trans");
    if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2)) state->Add(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2));
    PG_RETURN_POINTER(state);
}

NIGHTJAR_FIXED_STATE_AGGREGATE(trend_agg, LinearTrend)

// nightjar_trend_agg_final forms the nightjar.trend row.
NIGHTJAR_FUNCTION(nightjar_trend_agg_final) {
    const LinearTrend empty{};
    auto s = FixedStateAggregate<LinearTrend>::Final(fcinfo, empty).Summary();
    return MakeCountAndFloat8Composite(
        fcinfo, s.n,
        {s.slope, s.intercept, s.r2, s.slope_stderr, s.intercept_stderr, s.residual_stddev});
}

// stats_trend.cpp: nightjar.trend_agg(y float8, x float8) → nightjar.trend, ordinary
// least squares with a parallel-safe fixed-size state (the core's LinearTrend).
#include "core/stats/trend.hpp"
#include "extension/pg/agg_support.hpp"

using nightjar::core::stats::LinearTrend;
using namespace nightjar::pg;

NIGHTJAR_FUNCTION(nightjar_trend_trans) {
    LinearTrend* state = PG_ARGISNULL(0) ? NewPlainState<LinearTrend>(AggregateMemory(fcinfo, "trend_agg_trans"))
                                         : reinterpret_cast<LinearTrend*>(PG_GETARG_POINTER(0));
    if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2)) state->Add(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2));
    PG_RETURN_POINTER(state);
}

NIGHTJAR_FUNCTION(nightjar_trend_combine) {
    MemoryContext ctx = AggregateMemory(fcinfo, "trend_agg_combine");
    if (PG_ARGISNULL(1)) {
        if (PG_ARGISNULL(0)) PG_RETURN_NULL();
        PG_RETURN_POINTER(PG_GETARG_POINTER(0));
    }
    const LinearTrend* other = reinterpret_cast<const LinearTrend*>(PG_GETARG_POINTER(1));
    if (PG_ARGISNULL(0)) PG_RETURN_POINTER(NewPlainState<LinearTrend>(ctx, *other));
    LinearTrend* state = reinterpret_cast<LinearTrend*>(PG_GETARG_POINTER(0));
    state->Merge(*other);
    PG_RETURN_POINTER(state);
}

NIGHTJAR_FUNCTION(nightjar_trend_serialize) {
    const LinearTrend* state = reinterpret_cast<const LinearTrend*>(PG_GETARG_POINTER(0));
    PG_RETURN_BYTEA_P(MakeBytea(LinearTrend::kSerializedSize, [&](char* out) { state->SerializeTo(out); }));
}

NIGHTJAR_FUNCTION(nightjar_trend_deserialize) {
    MemoryContext ctx = AggregateMemory(fcinfo, "trend_agg_deserialize");
    std::string_view bytes = ByteaArg(fcinfo, 0);
    PG_RETURN_POINTER(NewPlainState<LinearTrend>(ctx, LinearTrend::Deserialize(bytes.data(), bytes.size())));
}

NIGHTJAR_FUNCTION(nightjar_trend_final) {
    LinearTrend empty;
    const LinearTrend* state =
        PG_ARGISNULL(0) ? &empty : reinterpret_cast<const LinearTrend*>(PG_GETARG_POINTER(0));
    auto s = state->Summary();
    return MakeCountAndFloat8Composite(fcinfo, s.n,
        {s.slope, s.intercept, s.r2, s.slope_stderr, s.intercept_stderr, s.residual_stddev});
}

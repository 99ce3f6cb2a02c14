// stats_moments.cpp: nightjar.stats_agg(float8) → nightjar.stats. The state is the
// core's Moments, a fixed-size struct (a block of buffered values plus the compact
// sums, about 1.2 KB) placed in the aggregate context; combine,
// serialise and deserialise make the aggregate usable in parallel plans.
#include "core/stats/moments.hpp"
#include "extension/pg/agg_support.hpp"

using nightjar::core::stats::Moments;
using namespace nightjar::pg;

// The transition functions of all statistics aggregates check the aggregate context
// only on a group's first row, when they allocate the state: a non-NULL internal state
// can only come from the executor, so later rows skip the lookup; they run under
// NIGHTJAR_FUNCTION (whose error record costs nothing until something throws).
NIGHTJAR_FUNCTION(nightjar_stats_trans) {
    Moments* state = PG_ARGISNULL(0) ? NewPlainState<Moments>(AggregateMemory(fcinfo, "stats_agg_trans"))
                                     : reinterpret_cast<Moments*>(PG_GETARG_POINTER(0));
    if (!PG_ARGISNULL(1)) state->Add(PG_GETARG_FLOAT8(1));
    PG_RETURN_POINTER(state);
}

NIGHTJAR_FUNCTION(nightjar_stats_combine) {
    MemoryContext ctx = AggregateMemory(fcinfo, "stats_agg_combine");
    if (PG_ARGISNULL(1)) {
        if (PG_ARGISNULL(0)) PG_RETURN_NULL();
        PG_RETURN_POINTER(PG_GETARG_POINTER(0));
    }
    const Moments* other = reinterpret_cast<const Moments*>(PG_GETARG_POINTER(1));
    if (PG_ARGISNULL(0)) PG_RETURN_POINTER(NewPlainState<Moments>(ctx, *other));
    Moments* state = reinterpret_cast<Moments*>(PG_GETARG_POINTER(0));
    state->Merge(*other);
    PG_RETURN_POINTER(state);
}

NIGHTJAR_FUNCTION(nightjar_stats_serialize) {
    const Moments* state = reinterpret_cast<const Moments*>(PG_GETARG_POINTER(0));
    PG_RETURN_BYTEA_P(MakeBytea(Moments::kSerializedSize, [&](char* out) { state->SerializeTo(out); }));
}

NIGHTJAR_FUNCTION(nightjar_stats_deserialize) {
    MemoryContext ctx = AggregateMemory(fcinfo, "stats_agg_deserialize");
    std::string_view bytes = ByteaArg(fcinfo, 0);
    PG_RETURN_POINTER(NewPlainState<Moments>(ctx, Moments::Deserialize(bytes.data(), bytes.size())));
}

NIGHTJAR_FUNCTION(nightjar_stats_final) {
    Moments empty;
    const Moments* state = PG_ARGISNULL(0) ? &empty : reinterpret_cast<const Moments*>(PG_GETARG_POINTER(0));
    auto s = state->Summary();
    return MakeCountAndFloat8Composite(fcinfo, s.n,
        {s.mean, s.variance, s.stddev, s.variance_pop, s.stddev_pop, s.min, s.max, s.skewness, s.kurtosis});
}

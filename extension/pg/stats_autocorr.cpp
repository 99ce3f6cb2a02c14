// stats_autocorr.cpp: nightjar.autocorr_agg(y float8 ORDER BY ...) → float8, the lag-1
// autocorrelation of the values in the order the aggregate receives them. Order makes
// the state unmergeable, so there is no combine function (PostgreSQL never runs
// aggregates with ORDER BY in parallel anyway).
#include "core/stats/autocorr.hpp"
#include "extension/pg/agg_support.hpp"

using nightjar::core::stats::Lag1Autocorr;
using namespace nightjar::pg;

NIGHTJAR_FUNCTION(nightjar_autocorr_agg_trans) {
    Lag1Autocorr* state =
        PG_ARGISNULL(0) ? NewPlainState<Lag1Autocorr>(AggregateMemory(fcinfo, "autocorr_agg_trans"))
                        : reinterpret_cast<Lag1Autocorr*>(PG_GETARG_POINTER(0));
    if (!PG_ARGISNULL(1)) state->Add(PG_GETARG_FLOAT8(1));
    PG_RETURN_POINTER(state);
}

NIGHTJAR_FUNCTION(nightjar_autocorr_agg_final) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    auto value = reinterpret_cast<const Lag1Autocorr*>(PG_GETARG_POINTER(0))->Value();
    if (!value) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*value);
}

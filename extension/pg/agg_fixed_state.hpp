// agg_fixed_state.hpp: the glue of an aggregate whose state is a fixed-size core object
// (Moments, LinearTrend, and the next ones): one template instead of a copy per type.
//
// A state type S must be trivially destructible (it is placement-new'd into the
// aggregate context and vanishes with it), have Merge(const S&), SerializeTo(char*),
// static Deserialize(const char*, size_t) and a kSerializedSize constant. The combine,
// serialise and deserialise functions are then identical for every S; only the
// transition (which arguments, which Add) and the final function (which summary fields)
// differ, and are written by hand with FixedStateAggregate's helpers:
//
//     NIGHTJAR_FUNCTION(nightjar_stats_agg_trans) {
//         Moments* state = FixedStateAggregate<Moments>::State(fcinfo, "stats_agg_trans");
//         if (!PG_ARGISNULL(1)) state->Add(PG_GETARG_FLOAT8(1));
//         PG_RETURN_POINTER(state);
//     }
//     NIGHTJAR_FIXED_STATE_AGGREGATE(stats_agg, Moments)   // _combine, _serialize, _deserialize
//     NIGHTJAR_FUNCTION(nightjar_stats_agg_final) {
//         Moments empty;
//         auto s = FixedStateAggregate<Moments>::Final(fcinfo, empty).Summary(); ...
//     }
//
// The transition function looks the aggregate context up only on a group's first row,
// when it allocates the state: a non-NULL internal state can only come from the executor.
#pragma once

#include <string_view>

#include "extension/pg/agg_support.hpp"
#include "extension/pg/args.hpp"

namespace nightjar::pg {

// FixedStateAggregate gathers the parts every fixed-size-state aggregate shares.
template <typename S>
struct FixedStateAggregate {
    static_assert(std::is_trivially_destructible_v<S>,
                  "fixed states live in the aggregate context");

    // State returns the transition state (argument 0), allocating it on the first row.
    static S* State(FunctionCallInfo fcinfo, const char* fn_name) {
        return PG_ARGISNULL(0) ? NewPlainState<S>(AggregateMemory(fcinfo, fn_name))
                               : reinterpret_cast<S*>(PG_GETARG_POINTER(0));
    }

    // Combine merges state 1 into state 0 (copying it when state 0 is NULL).
    static Datum Combine(FunctionCallInfo fcinfo, const char* fn_name) {
        MemoryContext ctx = AggregateMemory(fcinfo, fn_name);
        if (std::optional<Datum> done = CombineWithoutMerge(fcinfo)) return *done;
        const S* other = reinterpret_cast<const S*>(PG_GETARG_POINTER(1));
        if (PG_ARGISNULL(0)) PG_RETURN_POINTER(NewPlainState<S>(ctx, *other));
        S* state = reinterpret_cast<S*>(PG_GETARG_POINTER(0));
        state->Merge(*other);
        PG_RETURN_POINTER(state);
    }

    // Serialize writes the state into a bytea of S::kSerializedSize bytes.
    static Datum Serialize(FunctionCallInfo fcinfo) {
        const S* state = reinterpret_cast<const S*>(PG_GETARG_POINTER(0));
        PG_RETURN_BYTEA_P(
            MakeBytea(S::kSerializedSize, [&](char* out) { state->SerializeTo(out); }));
    }

    // Deserialize rebuilds a state in the aggregate context (S::Deserialize checks the bytes).
    static Datum Deserialize(FunctionCallInfo fcinfo, const char* fn_name) {
        MemoryContext ctx = AggregateMemory(fcinfo, fn_name);
        std::string_view bytes = ByteaArg(fcinfo, 0);
        PG_RETURN_POINTER(NewPlainState<S>(ctx, S::Deserialize(bytes.data(), bytes.size())));
    }

    // Final returns the state of the final function, or `empty` when there was no row.
    static const S& Final(FunctionCallInfo fcinfo, const S& empty) {
        return PG_ARGISNULL(0) ? empty : *reinterpret_cast<const S*>(PG_GETARG_POINTER(0));
    }
};

}  // namespace nightjar::pg

// NIGHTJAR_FIXED_STATE_AGGREGATE(sql_name, S) defines nightjar_<sql_name>_combine,
// _serialize and _deserialize, the C symbols of nightjar.<sql_name>_combine etc.
#define NIGHTJAR_FIXED_STATE_AGGREGATE(sql_name, S)                                           \
    NIGHTJAR_FUNCTION(nightjar_##sql_name##_combine) {                                        \
        return ::nightjar::pg::FixedStateAggregate<S>::Combine(fcinfo, #sql_name "_combine"); \
    }                                                                                         \
    NIGHTJAR_FUNCTION(nightjar_##sql_name##_serialize) {                                      \
        return ::nightjar::pg::FixedStateAggregate<S>::Serialize(fcinfo);                     \
    }                                                                                         \
    NIGHTJAR_FUNCTION(nightjar_##sql_name##_deserialize) {                                    \
        return ::nightjar::pg::FixedStateAggregate<S>::Deserialize(fcinfo,                    \
                                                                   #sql_name "_deserialize"); \
    }

// agg_support.hpp: what every aggregate's glue needs — the aggregate memory context,
// core state objects living in it, bytea (de)serialisation and composite results.
//
// Arguments are read with args.hpp. Core states come in two kinds. Trivially destructible ones
// (Moments, LinearTrend) are placement-new'd into the aggregate context and vanish with it. States
// that own heap memory (a t-digest's vectors) are created with `new` and deleted by a reset
// callback registered on the aggregate context, so nothing leaks when a query is cancelled.
#pragma once

#include "extension/pg/args.hpp"
#include "extension/pg/boundary.hpp"

extern "C" {
#include "fmgr.h"
#include "utils/memutils.h"
}

#include <cstring>
#include <new>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace nightjar::pg {

// AggregateMemory returns the aggregate's memory context, or throws when the function is
// called outside an aggregate.
MemoryContext AggregateMemory(FunctionCallInfo fcinfo, const char* fn_name);

// NewPlainState builds a trivially destructible T in the aggregate context.
template <typename T, typename... Args>
T* NewPlainState(MemoryContext ctx, Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>,
                  "use NewOwnedState for states that own memory");
    void* mem = PgCall([&] { return MemoryContextAlloc(ctx, sizeof(T)); });
    return new (mem) T(std::forward<Args>(args)...);
}

// DeleteOwned is the reset callback that destroys a heap-owning state.
template <typename T>
void DeleteOwned(void* arg) {
    delete static_cast<T*>(arg);
}

// NewOwnedState builds a heap-owning T that is deleted when the aggregate context resets.
template <typename T, typename... Args>
T* NewOwnedState(MemoryContext ctx, Args&&... args) {
    auto* cb = static_cast<MemoryContextCallback*>(
        PgCall([&] { return MemoryContextAlloc(ctx, sizeof(MemoryContextCallback)); }));
    T* state = new T(std::forward<Args>(args)...);
    cb->func = &DeleteOwned<T>;
    cb->arg = state;
    MemoryContextRegisterResetCallback(ctx, cb);  // cannot fail
    return state;
}

// CombineWithoutMerge returns a combine function's result when a state is NULL and
// nothing is to be merged: NULL when both are, state 0 when state 1 is NULL; nullopt
// when state 1 is set (the caller merges it, or adopts it when state 0 is NULL).
inline std::optional<Datum> CombineWithoutMerge(FunctionCallInfo fcinfo) {
    if (!PG_ARGISNULL(1)) return std::nullopt;
    if (PG_ARGISNULL(0)) {
        fcinfo->isnull = true;
        return Datum(0);
    }
    return PG_GETARG_DATUM(0);
}

// MakeBytea copies `len` bytes written by `fill` into a new bytea.
template <typename Fill>
bytea* MakeBytea(size_t len, Fill&& fill) {
    auto* out = static_cast<bytea*>(PgCall([&] { return palloc(VARHDRSZ + len); }));
    SET_VARSIZE(out, VARHDRSZ + len);
    fill(VARDATA(out));
    return out;
}

// MakeFloat8Composite forms the function's composite result from optional float8 fields,
// after a leading bigint count; an empty optional becomes NULL.
Datum MakeCountAndFloat8Composite(FunctionCallInfo fcinfo, int64 count,
                                  const std::vector<std::optional<double>>& fields);

// MakeFloat8Array forms a one-dimensional float8[] with NULLs where values are empty.
Datum MakeFloat8Array(const std::vector<std::optional<double>>& values);

}  // namespace nightjar::pg

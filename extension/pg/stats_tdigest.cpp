// stats_tdigest.cpp: nightjar.approx_percentiles(float8, float8[]) → float8[]
// from a mergeable t-digest (bounded memory whatever the input size; error documented
// in docs/statistics.md). The digest owns heap memory, so the state is deleted by a
// reset callback on the aggregate context.
#include <cstring>

#include "core/errors.hpp"
#include "core/stats/tdigest.hpp"
#include "extension/pg/agg_support.hpp"
#include "extension/pg/fractions.hpp"

using nightjar::core::stats::TDigest;
using namespace nightjar::pg;

namespace {

// DigestState is the approximate-percentile state.
struct DigestState {
    Fractions fractions;  // palloc'd in the aggregate context
    TDigest digest;
};

}  // namespace

NIGHTJAR_FUNCTION(nightjar_approx_percentiles_trans) {
    auto* st = PG_ARGISNULL(0)
                   ? NewOwnedState<DigestState>(AggregateMemory(fcinfo, "approx_percentiles_trans"))
                   : reinterpret_cast<DigestState*>(PG_GETARG_POINTER(0));
    if (!st->fractions.known && !PG_ARGISNULL(2))
        ReadFractions(fcinfo, 2, AggregateMemory(fcinfo, "approx_percentiles_trans"),
                      &st->fractions);
    if (!PG_ARGISNULL(1)) st->digest.Add(PG_GETARG_FLOAT8(1));
    PG_RETURN_POINTER(st);
}

NIGHTJAR_FUNCTION(nightjar_approx_percentiles_combine) {
    MemoryContext ctx = AggregateMemory(fcinfo, "approx_percentiles_combine");
    if (std::optional<Datum> done = CombineWithoutMerge(fcinfo)) return *done;
    const auto* other = reinterpret_cast<const DigestState*>(PG_GETARG_POINTER(1));
    auto* st = PG_ARGISNULL(0) ? NewOwnedState<DigestState>(ctx)
                               : reinterpret_cast<DigestState*>(PG_GETARG_POINTER(0));
    if (!st->fractions.known && other->fractions.known)
        CopyFractions(ctx, other->fractions, &st->fractions);
    st->digest.Merge(other->digest);
    PG_RETURN_POINTER(st);
}

NIGHTJAR_FUNCTION(nightjar_approx_percentiles_serialize) {
    const auto* st = reinterpret_cast<const DigestState*>(PG_GETARG_POINTER(0));
    std::string digest = st->digest.Serialize();
    size_t head = FractionsSerializedSize(st->fractions);
    bytea* out = MakeBytea(head + digest.size(), [&](char* p) {
        SerializeFractions(st->fractions, p);
        std::memcpy(p + head, digest.data(), digest.size());
    });
    PG_RETURN_BYTEA_P(out);
}

NIGHTJAR_FUNCTION(nightjar_approx_percentiles_deserialize) {
    MemoryContext ctx = AggregateMemory(fcinfo, "approx_percentiles_deserialize");
    std::string_view bytes = ByteaArg(fcinfo, 0);
    auto* st = NewOwnedState<DigestState>(ctx);
    size_t head = DeserializeFractions(ctx, bytes, &st->fractions);
    st->digest = TDigest::Deserialize(bytes.data() + head, bytes.size() - head);
    PG_RETURN_POINTER(st);
}

NIGHTJAR_FUNCTION(nightjar_approx_percentiles_final) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    const auto* st = reinterpret_cast<const DigestState*>(PG_GETARG_POINTER(0));
    if (st->digest.Count() == 0 || !st->fractions.known) PG_RETURN_NULL();
    std::vector<double> found;
    for (double q : PresentFractions(st->fractions)) found.push_back(st->digest.Quantile(q));
    return MakeFloat8Array(SpreadOverFractions(st->fractions, found));
}

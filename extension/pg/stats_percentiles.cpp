// stats_percentiles.cpp: nightjar.percentiles(float8, float8[]) → float8[], exact and
// interpolated like percentile_cont. The state is a growable array of doubles in the
// aggregate context (repalloc_huge, so more than 1 GB of values is allowed); the final
// function selects each requested rank with nth_element instead of sorting everything.
// The fractions are read once, from the first row that has them.
#include <algorithm>
#include <cstring>

#include "core/errors.hpp"
#include "core/stats/percentiles.hpp"
#include "extension/pg/agg_support.hpp"
#include "extension/pg/fractions.hpp"
#include "extension/pg/progress.hpp"

using namespace nightjar::pg;

namespace {

// ValueBuffer is the exact-percentile state: fractions plus every non-NULL value.
struct ValueBuffer {
    Fractions fractions;
    double* values = nullptr;
    size_t n = 0;
    size_t capacity = 0;
};

// Append adds one value, doubling the buffer in the aggregate context when full.
void Append(MemoryContext ctx, ValueBuffer* buf, const double* values, size_t count) {
    if (buf->n + count > buf->capacity) {
        size_t cap = std::max<size_t>({1024, buf->capacity * 2, buf->n + count});
        buf->values = static_cast<double*>(PgCall([&] {
            return buf->values == nullptr ? MemoryContextAllocHuge(ctx, cap * sizeof(double))
                                          : repalloc_huge(buf->values, cap * sizeof(double));
        }));
        buf->capacity = cap;
    }
    std::memcpy(buf->values + buf->n, values, count * sizeof(double));
    buf->n += count;
}

}  // namespace

// The transition function looks the aggregate context up only when it must allocate
// (first row, fractions, buffer growth) and runs under NIGHTJAR_FUNCTION, so the
// common row costs one store (see agg_support.hpp).
NIGHTJAR_FUNCTION(nightjar_percentiles_trans) {
    auto* buf = PG_ARGISNULL(0)
                    ? NewPlainState<ValueBuffer>(AggregateMemory(fcinfo, "percentiles_trans"))
                    : reinterpret_cast<ValueBuffer*>(PG_GETARG_POINTER(0));
    if (!buf->fractions.known && !PG_ARGISNULL(2))
        ReadFractions(fcinfo, 2, AggregateMemory(fcinfo, "percentiles_trans"), &buf->fractions);
    if (!PG_ARGISNULL(1)) {
        double v = PG_GETARG_FLOAT8(1);
        if (buf->n < buf->capacity)
            buf->values[buf->n++] = v;  // the common, cheap path
        else
            Append(AggregateMemory(fcinfo, "percentiles_trans"), buf, &v, 1);
    }
    PG_RETURN_POINTER(buf);
}

// The combine function's second state is always one that nightjar_percentiles_deserialize
// has just built in the aggregate context (PostgreSQL serializes every partial state of
// an internal-type aggregate, parallel or partitionwise), and nothing else refers to it.
// So the first partial state is adopted instead of copied, and the values of later ones
// are freed once appended: the leader copies each worker's values once, not twice, and
// holds them once (those copies, mostly page faults, were a third of the leader's time).
NIGHTJAR_FUNCTION(nightjar_percentiles_combine) {
    MemoryContext ctx = AggregateMemory(fcinfo, "percentiles_combine");
    if (std::optional<Datum> done = CombineWithoutMerge(fcinfo)) return *done;
    auto* other = reinterpret_cast<ValueBuffer*>(PG_GETARG_POINTER(1));
    if (PG_ARGISNULL(0)) PG_RETURN_POINTER(other);
    auto* buf = reinterpret_cast<ValueBuffer*>(PG_GETARG_POINTER(0));
    if (!buf->fractions.known && other->fractions.known)
        CopyFractions(ctx, other->fractions, &buf->fractions);
    if (other->n > 0) {
        Append(ctx, buf, other->values, other->n);
        PgCall([&] { pfree(other->values); });
        other->values = nullptr;
        other->n = other->capacity = 0;
    }
    PG_RETURN_POINTER(buf);
}

NIGHTJAR_FUNCTION(nightjar_percentiles_serialize) {
    const auto* buf = reinterpret_cast<const ValueBuffer*>(PG_GETARG_POINTER(0));
    size_t head = FractionsSerializedSize(buf->fractions);
    size_t len = head + sizeof(uint64) + buf->n * sizeof(double);
    PG_RETURN_BYTEA_P(MakeBytea(len, [&](char* out) {
        SerializeFractions(buf->fractions, out);
        uint64 n = buf->n;
        std::memcpy(out + head, &n, sizeof n);
        if (buf->n > 0) std::memcpy(out + head + sizeof n, buf->values, buf->n * sizeof(double));
    }));
}

NIGHTJAR_FUNCTION(nightjar_percentiles_deserialize) {
    MemoryContext ctx = AggregateMemory(fcinfo, "percentiles_deserialize");
    std::string_view bytes = ByteaArg(fcinfo, 0);
    auto* buf = NewPlainState<ValueBuffer>(ctx);
    size_t head = DeserializeFractions(ctx, bytes, &buf->fractions);
    uint64 n = 0;
    if (bytes.size() < head + sizeof n)
        throw nightjar::core::DataError("percentiles state is truncated");
    std::memcpy(&n, bytes.data() + head, sizeof n);
    if ((bytes.size() - head - sizeof n) / sizeof(double) != n ||
        (bytes.size() - head - sizeof n) % sizeof(double))
        throw nightjar::core::DataError("percentiles state has a wrong length");
    if (n > 0) Append(ctx, buf, reinterpret_cast<const double*>(bytes.data() + head + sizeof n), n);
    PG_RETURN_POINTER(buf);
}

NIGHTJAR_FUNCTION(nightjar_percentiles_final) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    auto* buf = reinterpret_cast<ValueBuffer*>(PG_GETARG_POINTER(0));
    if (buf->n == 0 || !buf->fractions.known) PG_RETURN_NULL();
    std::vector<double> wanted = PresentFractions(buf->fractions);
    ActivityProgress progress("nightjar.percentiles", "values scanned");  // cancellable
    std::vector<double> found =
        nightjar::core::stats::PercentilesCont(buf->values, buf->values + buf->n, wanted, progress);
    return MakeFloat8Array(SpreadOverFractions(buf->fractions, found));
}

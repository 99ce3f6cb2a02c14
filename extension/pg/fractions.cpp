// fractions.cpp: see fractions.hpp.
#include "extension/pg/fractions.hpp"

#include <cstring>

#include "core/errors.hpp"
#include "extension/pg/agg_support.hpp"

namespace nightjar::pg {

namespace {

// Allocate reserves room for `count` fractions in `ctx`.
void Allocate(MemoryContext ctx, int count, Fractions* out) {
    out->count = count;
    out->values = static_cast<double*>(
        PgCall([&] { return MemoryContextAlloc(ctx, sizeof(double) * (count + 1)); }));
    out->is_null = static_cast<bool*>(
        PgCall([&] { return MemoryContextAlloc(ctx, sizeof(bool) * (count + 1)); }));
    out->known = true;
}

}  // namespace

void ReadFractions(FunctionCallInfo fcinfo, int argno, MemoryContext ctx, Fractions* out) {
    std::vector<std::optional<double>> arg = Float8ArrayArg(fcinfo, argno);
    Allocate(ctx, static_cast<int>(arg.size()), out);
    for (size_t i = 0; i < arg.size(); ++i) {
        out->is_null[i] = !arg[i].has_value();
        out->values[i] = arg[i].value_or(0.0);
    }
}

void CopyFractions(MemoryContext ctx, const Fractions& from, Fractions* out) {
    Allocate(ctx, from.count, out);
    std::memcpy(out->values, from.values, sizeof(double) * from.count);
    std::memcpy(out->is_null, from.is_null, sizeof(bool) * from.count);
}

size_t FractionsSerializedSize(const Fractions& f) {
    return sizeof(int32) + (f.known ? f.count * (sizeof(double) + 1) : 0);
}

void SerializeFractions(const Fractions& f, char* out) {
    int32 count = f.known ? f.count : -1;
    std::memcpy(out, &count, sizeof count);
    out += sizeof count;
    if (!f.known) return;
    std::memcpy(out, f.values, sizeof(double) * f.count);
    out += sizeof(double) * f.count;
    for (int i = 0; i < f.count; ++i) out[i] = f.is_null[i] ? 1 : 0;
}

size_t DeserializeFractions(MemoryContext ctx, std::string_view bytes, Fractions* out) {
    int32 count = 0;
    if (bytes.size() < sizeof count) throw core::DataError("percentile state is truncated");
    std::memcpy(&count, bytes.data(), sizeof count);
    if (count < 0) return sizeof count;  // fractions not seen yet
    size_t need = sizeof count + static_cast<size_t>(count) * (sizeof(double) + 1);
    if (bytes.size() < need) throw core::DataError("percentile state is truncated");
    Allocate(ctx, count, out);
    const char* p = bytes.data() + sizeof count;
    std::memcpy(out->values, p, sizeof(double) * count);
    p += sizeof(double) * count;
    for (int i = 0; i < count; ++i) out->is_null[i] = p[i] != 0;
    return need;
}

std::vector<double> PresentFractions(const Fractions& f) {
    std::vector<double> out;
    for (int i = 0; i < f.count; ++i)
        if (!f.is_null[i]) out.push_back(f.values[i]);
    return out;
}

std::vector<std::optional<double>> SpreadOverFractions(const Fractions& f,
                                                       const std::vector<double>& results) {
    std::vector<std::optional<double>> out(static_cast<size_t>(f.count));
    size_t next = 0;
    for (int i = 0; i < f.count; ++i)
        if (!f.is_null[i]) out[static_cast<size_t>(i)] = results.at(next++);
    return out;
}

}  // namespace nightjar::pg

// fractions.hpp: the float8[] of requested fractions that the percentile aggregates
// carry in their state (plain data in the aggregate context, so states stay trivially
// destructible), with its serialisation for parallel plans.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "extension/pg/boundary.hpp"

namespace nightjar::pg {

// Fractions is the requested fractions array; NULL elements are kept as holes.
struct Fractions {
    bool known = false;
    int count = 0;
    double* values = nullptr;
    bool* is_null = nullptr;
};

// ReadFractions copies argument `argno` (a float8[]) into `out` in context `ctx`.
void ReadFractions(FunctionCallInfo fcinfo, int argno, MemoryContext ctx, Fractions* out);

// CopyFractions copies `from` into `out` in context `ctx`.
void CopyFractions(MemoryContext ctx, const Fractions& from, Fractions* out);

// FractionsSerializedSize is the byte length SerializeFractions writes.
size_t FractionsSerializedSize(const Fractions& f);

// SerializeFractions writes `f` at `out`.
void SerializeFractions(const Fractions& f, char* out);

// DeserializeFractions reads fractions from the front of `bytes` and returns the bytes
// used; it throws core::DataError when the bytes are not a serialised Fractions.
size_t DeserializeFractions(MemoryContext ctx, std::string_view bytes, Fractions* out);

// PresentFractions lists the non-NULL fractions in array order.
std::vector<double> PresentFractions(const Fractions& f);

// SpreadOverFractions puts one result per non-NULL fraction back in array order, with
// NULL where the fraction was NULL.
std::vector<std::optional<double>> SpreadOverFractions(const Fractions& f,
                                                       const std::vector<double>& results);

}  // namespace nightjar::pg

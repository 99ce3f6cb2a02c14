// args.cpp: the argument helpers of args.hpp, each one's PostgreSQL calls under PgCall.
#include "extension/pg/args.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

#include "core/errors.hpp"

namespace nightjar::pg {

std::string_view TextViewArg(FunctionCallInfo fcinfo, int argno) {
    // TextViewArg detoasts under the guard; the view points into the detoasted copy.
    text* t = PgCall([&] { return PG_GETARG_TEXT_PP(argno); });
    return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

std::string TextArg(FunctionCallInfo fcinfo, int argno) {
    // TextArg copies the detoasted text into a string.
    return std::string(TextViewArg(fcinfo, argno));
}

std::optional<std::string> OptionalTextArg(FunctionCallInfo fcinfo, int argno) {
    // OptionalTextArg maps SQL NULL to nullopt.
    if (PG_ARGISNULL(argno)) return std::nullopt;
    return TextArg(fcinfo, argno);
}

Jsonb* JsonbArg(FunctionCallInfo fcinfo, int argno) {
    // JsonbArg detoasts under the guard.
    return PgCall([&] { return PG_GETARG_JSONB_P(argno); });
}

std::string JsonbTextArg(FunctionCallInfo fcinfo, int argno) {
    // JsonbTextArg renders the jsonb with JsonbToCString, as jsonb_out does.
    Jsonb* jb = JsonbArg(fcinfo, argno);
    const char* text = PgCall(
        [&] { return static_cast<const char*>(JsonbToCString(nullptr, &jb->root, VARSIZE(jb))); });
    return std::string(text);
}

std::vector<std::string> TextArrayDatum(Datum array, const char* what) {
    // TextArrayDatum deconstructs and detoasts under the guard, then copies.
    Datum* elems = nullptr;
    bool* nulls = nullptr;
    int n = 0;
    PgCall([&] {
        deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT, &elems,
                          &nulls, &n);
    });
    std::vector<std::string> out;
    out.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        if (nulls[i])
            throw core::InvalidArgument(std::string("nightjar: ") + what +
                                        " must not contain NULL");
        text* t =
            reinterpret_cast<text*>(PgCall([&] { return PG_DETOAST_DATUM_PACKED(elems[i]); }));
        out.emplace_back(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    }
    return out;
}

std::vector<std::string> TextArrayArg(FunctionCallInfo fcinfo, int argno, const char* what) {
    // TextArrayArg reads the argument's Datum (no detoast yet) and converts it.
    return TextArrayDatum(PG_GETARG_DATUM(argno), what);
}

std::string_view ByteaArg(FunctionCallInfo fcinfo, int argno) {
    // ByteaArg detoasts under the guard; the view points into the detoasted copy.
    bytea* b = PgCall([&] { return PG_GETARG_BYTEA_PP(argno); });
    return {VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)};
}

std::vector<std::optional<double>> Float8ArrayArg(FunctionCallInfo fcinfo, int argno) {
    // Float8ArrayArg deconstructs the array under the guard, then copies the values.
    Datum* elems = nullptr;
    bool* nulls = nullptr;
    int n = 0;
    PgCall([&] {
        ArrayType* arr = PG_GETARG_ARRAYTYPE_P(argno);
        if (ARR_NDIM(arr) > 1)
            ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
                            errmsg("fractions must be a one-dimensional array")));
        deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems,
                          &nulls, &n);
    });
    std::vector<std::optional<double>> out(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        if (!nulls[i]) out[static_cast<size_t>(i)] = DatumGetFloat8(elems[i]);
    return out;
}

Jsonb* DetoastJsonb(Datum value) {
    // DetoastJsonb detoasts under the guard (a no-op for an in-line value).
    return reinterpret_cast<Jsonb*>(PgCall([&] { return PG_DETOAST_DATUM(value); }));
}

}  // namespace nightjar::pg

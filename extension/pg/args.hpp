// args.hpp: reading a SQL function's arguments into C++ values — the one place glue
// code detoasts and converts arguments.
//
// The mistake it prevents: PG_GETARG_TEXT_PP, PG_GETARG_JSONB_P, PG_GETARG_ARRAYTYPE_P
// and friends detoast, and detoasting can ereport (out of memory, a corrupt or missing
// TOAST chunk, a cancel while reading it). Called bare while a std::string or vector is
// alive on the stack, such an error longjmps over its destructor. Every helper here runs
// its PostgreSQL calls under PgCall (an error becomes a C++ PgError) and returns either
// a C++ value or a pointer into memory of the current call (views stay valid until the
// function returns). By-value arguments (int8, float8, bool) cannot raise: read them
// with PG_GETARG_INT64 and friends directly.
//
// Usage:
//     NIGHTJAR_FUNCTION(nightjar_example) {
//         std::string name = TextArg(fcinfo, 0);
//         std::string rules_json = JsonbTextArg(fcinfo, 1);       // jsonb as JSON text
//         std::vector<std::string> fields = TextArrayArg(fcinfo, 2, "fields");
//         ...
//     }
#pragma once

#include "extension/pg/boundary.hpp"

extern "C" {
#include "utils/jsonb.h"
}

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nightjar::pg {

// TextViewArg returns text argument `argno`, detoasted, as a view valid for the call.
std::string_view TextViewArg(FunctionCallInfo fcinfo, int argno);

// TextArg returns text argument `argno` as a string.
std::string TextArg(FunctionCallInfo fcinfo, int argno);

// OptionalTextArg returns text argument `argno`, or nullopt when it is NULL.
std::optional<std::string> OptionalTextArg(FunctionCallInfo fcinfo, int argno);

// JsonbArg returns jsonb argument `argno`, detoasted (palloc'd in the call's context).
Jsonb* JsonbArg(FunctionCallInfo fcinfo, int argno);

// JsonbTextArg returns jsonb argument `argno` rendered as JSON text (jsonb_out's text),
// the form in which the core receives rule definitions (core::ParseJson reads it).
std::string JsonbTextArg(FunctionCallInfo fcinfo, int argno);

// TextArrayArg returns text[] argument `argno` as strings; a NULL element is refused
// with 22023 "nightjar: <what> must not contain NULL".
std::vector<std::string> TextArrayArg(FunctionCallInfo fcinfo, int argno, const char* what);

// TextArrayDatum is TextArrayArg for a text[] Datum that did not come from an argument.
std::vector<std::string> TextArrayDatum(Datum array, const char* what);

// ByteaArg returns the bytes of bytea argument `argno`, as a view valid for the call.
std::string_view ByteaArg(FunctionCallInfo fcinfo, int argno);

// Float8ArrayArg reads a one-dimensional float8[] argument; NULL elements become empty
// optionals (a multi-dimensional array raises 2202E).
std::vector<std::optional<double>> Float8ArrayArg(FunctionCallInfo fcinfo, int argno);

// DetoastJsonb returns a jsonb Datum detoasted (for values read from SPI rows).
Jsonb* DetoastJsonb(Datum value);

}  // namespace nightjar::pg

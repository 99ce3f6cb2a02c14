// boundary_selftest.cpp: nightjar.boundary_selftest(kind) exercises every path through
// the boundary so that pgTAP can prove them on a real server (SQLSTATE, message, the
// backend surviving, savepoints still working). It is a diagnostic, not an API.
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "extension/pg/boundary.hpp"

extern "C" {
#include "utils/builtins.h"
}

namespace {

// RaisePgError calls a PostgreSQL function that ereports (int4 input of "not a number").
Datum RaisePgError() {
    return nightjar::pg::PgCall([] { return DirectFunctionCall1(int4in, CStringGetDatum("not a number")); });
}

}  // namespace

NIGHTJAR_FUNCTION(nightjar_boundary_selftest) {
    text* kind_text = PG_GETARG_TEXT_PP(0);
    std::string kind(VARDATA_ANY(kind_text), VARSIZE_ANY_EXHDR(kind_text));
    std::vector<int> alive(16, 1);  // an object with a destructor on the stack while we throw
    if (kind == "invalid_argument") throw nightjar::core::InvalidArgument("selftest: invalid argument");
    if (kind == "data_error") throw nightjar::core::DataError("selftest: data error");
    if (kind == "bad_alloc") throw std::bad_alloc();
    if (kind == "runtime_error") throw std::runtime_error("selftest: internal error");
    if (kind == "unknown") throw 42;
    if (kind == "pg_error") RaisePgError();  // rethrown at the boundary with SQLSTATE 22P02
    if (kind == "pg_error_caught") {
        // The guard turns the PostgreSQL error into a C++ exception that C++ can handle;
        // the memory context is restored and the function goes on normally.
        try {
            RaisePgError();
        } catch (const nightjar::pg::PgError& e) {
            std::string msg = std::string("recovered: ") + e.what();
            PG_RETURN_TEXT_P(nightjar::pg::PgCall([&] { return cstring_to_text(msg.c_str()); }));
        }
    }
    if (kind == "ok") PG_RETURN_TEXT_P(cstring_to_text("ok"));
    throw nightjar::core::InvalidArgument("unknown selftest kind \"" + kind + "\"");
}

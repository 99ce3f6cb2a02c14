// boundary.cpp: the exception → SQLSTATE ladder and the module's magic block.
#include "extension/pg/boundary.hpp"

#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>

#include "core/errors.hpp"

extern "C" {
PG_MODULE_MAGIC;
}

namespace nightjar::pg {

const char* PgError::what() const noexcept {
    return edata_ != nullptr && edata_->message != nullptr ? edata_->message : "PostgreSQL error";
}

namespace {

// CopyMessage copies an exception message into the fixed buffer (truncating, never throwing).
void CopyMessage(CaughtError& out, const char* msg) {
    std::snprintf(out.message, sizeof out.message, "%s", msg != nullptr ? msg : "unknown error");
}

}  // namespace

CaughtError& CurrentCaughtError() {
    static CaughtError err;
    return err;
}

void ClassifyCurrentException(CaughtError& out) noexcept {
    // The ladder: most specific first. Core errors say what kind of failure happened;
    // the SQLSTATE follows from that and from nothing else.
    try {
        throw;
    } catch (const PgError& e) {
        out.pg_error = e.data();
        CopyMessage(out, e.what());
    } catch (const core::InvalidArgument& e) {
        out.sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
        CopyMessage(out, e.what());
    } catch (const core::DataError& e) {
        out.sqlstate = ERRCODE_DATA_EXCEPTION;
        CopyMessage(out, e.what());
    } catch (const std::bad_alloc&) {
        out.sqlstate = ERRCODE_OUT_OF_MEMORY;
        CopyMessage(out, "out of memory in nightjar");
    } catch (const std::exception& e) {
        out.sqlstate = ERRCODE_INTERNAL_ERROR;
        CopyMessage(out, e.what());
    } catch (...) {
        out.sqlstate = ERRCODE_INTERNAL_ERROR;
        CopyMessage(out, "unknown C++ exception in nightjar");
    }
}

void RaiseExceptionStackChanged(sigjmp_buf* entry_stack, ErrorContextCallback* entry_context) {
    // The error must unwind to the caller's handler, not to the dead frame left behind.
    PG_exception_stack = entry_stack;
    error_context_stack = entry_context;
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                    errmsg("nightjar: PG_exception_stack changed across a C++ call"),
                    errdetail("A PG_TRY block was left without PG_END_TRY, or an ereport "
                              "escaped a PgCall guard.")));
    pg_unreachable();
}

void RaiseCaught(const CaughtError& err) {
    if (err.pg_error != nullptr) ReThrowError(err.pg_error);
    ereport(ERROR, (errcode(err.sqlstate), errmsg("%s", err.message)));
    pg_unreachable();
}

}  // namespace nightjar::pg

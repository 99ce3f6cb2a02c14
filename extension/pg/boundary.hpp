// boundary.hpp is the single place where C++ exceptions and PostgreSQL errors meet.
//
// Two mistakes it prevents:
//  1. A C++ exception escaping a SQL-callable function unwinds into PostgreSQL's C
//     frames: the backend aborts and the postmaster restarts every session. Every
//     SQL-callable function is therefore declared with NIGHTJAR_FUNCTION, whose body runs
//     inside try/catch; the PostgreSQL error is raised only after the catch block has
//     ended, with nothing but plain data (CaughtError) left on the stack.
//  2. ereport(ERROR) longjmps over C++ frames, skipping destructors and leaving the
//     exception machinery inconsistent. Calls into PostgreSQL that may raise while C++
//     objects are alive go through PgCall, which catches the error with PG_TRY, restores
//     the memory context, copies the ErrorData and rethrows it as nightjar::pg::PgError.
//     At the boundary PgError is re-raised with its original SQLSTATE and message.
//  3. A PG_TRY left without PG_END_TRY (a return or a C++ throw inside it), or an
//     ereport that escaped a guard and was caught by someone else's sigsetjmp, leaves
//     PG_exception_stack pointing at a dead frame: the next error would longjmp into it.
//     CallCpp therefore checks after every call that PG_exception_stack is what it was
//     on entry (pg_duckdb's tripwire) and raises an internal error if not, after
//     putting the entry value back so that the error itself lands safely.
#pragma once

// postgres.h must come first: clang-format would sort it after fmgr.h
// clang-format off
extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}
// clang-format on

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace nightjar::pg {

// PgError carries a PostgreSQL error, copied out of the error state, through C++ frames.
class PgError : public std::exception {
  public:
    explicit PgError(ErrorData* edata) : edata_(edata) {}
    const char* what() const noexcept override;
    ErrorData* data() const { return edata_; }

  private:
    ErrorData* edata_;  // palloc'd by CopyErrorData in the caller's memory context
};

// CaughtError is the plain data a caught exception is reduced to before it is raised.
struct CaughtError {
    int sqlstate = 0;
    ErrorData* pg_error = nullptr;  // set when the exception was a PgError
    char message[1024] = {0};
};

// ClassifyCurrentException maps the exception being handled to a SQLSTATE and message.
// It must be called inside a catch block and never throws.
void ClassifyCurrentException(CaughtError& out) noexcept;

// RaiseCaught raises the PostgreSQL error described by `err`; it does not return.
[[noreturn]] void RaiseCaught(const CaughtError& err);

// CurrentCaughtError returns the backend's one error record. A backend runs on one thread,
// the record is written only inside CallCpp's catch block and read by RaiseCaught right
// after it (which never returns), so one record is enough — and no call pays for building
// a 1 KB record it will almost never use (perf: ~18% of a per-row transition function).
CaughtError& CurrentCaughtError();

// RaiseExceptionStackChanged restores PG_exception_stack and error_context_stack to their
// values on entry of a C++ call and raises XX000 naming the mistake; it does not return.
[[noreturn]] void RaiseExceptionStackChanged(sigjmp_buf* entry_stack,
                                             ErrorContextCallback* entry_context);

// CallCpp runs a SQL function's C++ body and converts any exception into an ERROR; it
// checks the exception stack after the body (the tripwire of mistake 3 above).
template <typename Body>
Datum CallCpp(Body&& body) {
    sigjmp_buf* const entry_stack = PG_exception_stack;
    ErrorContextCallback* const entry_context = error_context_stack;
    try {
        Datum result = body();
        if (PG_exception_stack == entry_stack) return result;
    } catch (...) {
        CaughtError& err = CurrentCaughtError();
        err = CaughtError{};
        ClassifyCurrentException(err);
    }
    if (PG_exception_stack != entry_stack) RaiseExceptionStackChanged(entry_stack, entry_context);
    RaiseCaught(CurrentCaughtError());
}

// PgCall runs `fn`, which calls PostgreSQL functions that may ereport, and turns such an
// error into a C++ PgError with CurrentMemoryContext restored.
template <typename Fn>
auto PgCall(Fn&& fn) -> decltype(fn()) {
    using Result = decltype(fn());
    if constexpr (std::is_void_v<Result>) {
        MemoryContext saved = CurrentMemoryContext;
        ErrorData* volatile edata = nullptr;
        std::exception_ptr cpp_error;  // a C++ exception must never leave the PG_TRY block
        PG_TRY();
        {
            try {
                fn();
            } catch (...) {
                cpp_error = std::current_exception();
            }
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(saved);
            edata = CopyErrorData();
            FlushErrorState();
        }
        PG_END_TRY();
        if (edata != nullptr) throw PgError(edata);
        if (cpp_error) std::rethrow_exception(cpp_error);
    } else {
        // The value-returning form reuses the void form: one PG_TRY, one copy of the logic.
        std::optional<Result> result;
        PgCall([&] { result.emplace(fn()); });
        return std::move(*result);
    }
}

}  // namespace nightjar::pg

// NIGHTJAR_FUNCTION(name) declares a V1 SQL-callable function `name` whose body (the
// block that follows the macro) runs under CallCpp. Inside the body `fcinfo` is in scope
// and the PG_GETARG_* / PG_RETURN_* macros work as usual.
#define NIGHTJAR_FUNCTION(name)                                                     \
    extern "C" {                                                                    \
    PG_FUNCTION_INFO_V1(name);                                                      \
    }                                                                               \
    static Datum name##_body(FunctionCallInfo fcinfo);                              \
    extern "C" Datum name(PG_FUNCTION_ARGS) {                                       \
        return ::nightjar::pg::CallCpp([fcinfo]() { return name##_body(fcinfo); }); \
    }                                                                               \
    static Datum name##_body(FunctionCallInfo fcinfo)

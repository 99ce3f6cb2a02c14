// boundary_selftest.cpp: nightjar.boundary_selftest(kind) exercises every path through
// the boundary so that pgTAP can prove them on a real server (SQLSTATE, message, the
// backend surviving, savepoints still working). It is a diagnostic, not an API.
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/stats/percentiles.hpp"
#include "extension/pg/args.hpp"
#include "extension/pg/batch_step.hpp"
#include "extension/pg/progress.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace {

// RaisePgError calls a PostgreSQL function that ereports (int4 input of "not a number").
Datum RaisePgError() {
    return nightjar::pg::PgCall(
        [] { return DirectFunctionCall1(int4in, CStringGetDatum("not a number")); });
}

// PercentilesUntilCancelled runs exact percentiles of 4 million pseudo-random values
// over and over, with the glue's progress hook, for at most `seconds`: a cancel from
// another session must stop it inside the core computation and leave the backend alive.
std::string PercentilesUntilCancelled(double seconds) {
    std::vector<double> values(size_t{1} << 22);
    uint64_t state = 42;
    for (double& v : values) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        v = static_cast<double>(state >> 11);
    }
    nightjar::pg::ActivityProgress progress("nightjar.boundary_selftest(percentiles)",
                                            "values scanned");
    const TimestampTz stop = GetCurrentTimestamp() + static_cast<TimestampTz>(seconds * 1e6);
    int64_t rounds = 0;
    try {
        while (GetCurrentTimestamp() < stop) {
            nightjar::core::stats::PercentilesCont(values, {0.1, 0.5, 0.9}, progress);
            ++rounds;
        }
    } catch (const nightjar::pg::PgError& e) {
        // Say where the cancel landed, so a test can tell it from one that arrives only
        // after the function returned (what happens when the hook does not check).
        ErrorData* edata = e.data();
        nightjar::pg::PgCall([&] {
            edata->context = psprintf("stopped inside exact percentiles (round %lld)",
                                      static_cast<long long>(rounds + 1));
        });
        throw;
    }
    return "not cancelled after " + std::to_string(rounds) + " rounds";
}

// BatchStepThrow runs a BatchStep over 25 rows whose row callback throws at row 17, and
// says whether the memory context current before Run is current again after the throw
// (the scratch context's RAII scope must restore it; SPI_finish would hide a failure,
// so the check is made while the step is still connected).
std::string BatchStepThrow() {
    nightjar::pg::BatchStep step("nightjar.boundary_selftest(batch_step)", 10);
    const MemoryContext in_step = CurrentMemoryContext;
    std::string outcome = "no exception";
    try {
        step.Run("SELECT g::bigint FROM generate_series(1, 25) g", {}, {},
                 [&](const nightjar::pg::StepRow& row) {
                     if (row.Int64(1) == 17) throw nightjar::core::DataError("selftest: row 17");
                 });
    } catch (const nightjar::core::DataError& e) {
        outcome = std::string(e.what()) + (CurrentMemoryContext == in_step
                                               ? "; memory context restored"
                                               : "; memory context NOT restored");
    }
    step.Finish();
    return outcome;
}

}  // namespace

NIGHTJAR_FUNCTION(nightjar_boundary_selftest) {
    std::string kind = nightjar::pg::TextArg(fcinfo, 0);
    std::vector<int> alive(16, 1);  // an object with a destructor on the stack while we throw
    if (kind == "invalid_argument")
        throw nightjar::core::InvalidArgument("selftest: invalid argument");
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
    if (kind == "exception_stack") {
        // The mistake the tripwire catches: a PG_TRY left without PG_END_TRY leaves
        // PG_exception_stack pointing into this (soon dead) frame.
        static sigjmp_buf dead_frame;
        PG_exception_stack = &dead_frame;
        PG_RETURN_TEXT_P(nightjar::pg::PgCall([] { return cstring_to_text("left"); }));
    }
    if (kind == "percentiles_until_cancel") {
        std::string outcome = PercentilesUntilCancelled(60.0);
        PG_RETURN_TEXT_P(nightjar::pg::PgCall([&] { return cstring_to_text(outcome.c_str()); }));
    }
    if (kind == "batch_step_throw") {
        std::string outcome = BatchStepThrow();
        PG_RETURN_TEXT_P(nightjar::pg::PgCall([&] { return cstring_to_text(outcome.c_str()); }));
    }
    if (kind == "ok") PG_RETURN_TEXT_P(nightjar::pg::PgCall([] { return cstring_to_text("ok"); }));
    throw nightjar::core::InvalidArgument("unknown selftest kind \"" + kind + "\"");
}

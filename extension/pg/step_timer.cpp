// step_timer.cpp: nightjar._step_timer(deadline), the dispatcher's per-step timeout.
//
// statement_timeout cannot bound a step: PostgreSQL arms it once per top-level statement,
// and a step runs inside the dispatcher's CALL. So the dispatcher arms a timer of its own
// backend (timeout.h, one USER_TIMEOUT registered on first use) at the step's deadline;
// when it expires, the handler requests a query cancel the way SIGINT does, and the step
// stops at its next CHECK_FOR_INTERRUPTS with SQLSTATE 57014. `_step_timer(NULL)` disarms
// it; a transaction callback also disarms it at commit and abort, so a timer can never
// outlive the step's transaction and cancel something else.
#include "extension/pg/boundary.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"
}

namespace {

bool registered = false;
TimeoutId step_timeout;

// StepTimeoutHandler runs in the SIGALRM handler: it only sets flags, like StatementCancelHandler.
void StepTimeoutHandler() {
    QueryCancelPending = true;
    InterruptPending = true;
    SetLatch(MyLatch);
}

// Disarm stops the timer if it is running.
void Disarm() {
    if (registered && get_timeout_active(step_timeout)) disable_timeout(step_timeout, false);
}

// DisarmAtTransactionEnd is the transaction callback: nothing outlives the step's transaction.
void DisarmAtTransactionEnd(XactEvent event, void*) {
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
        event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
        Disarm();
}

}  // namespace

// _step_timer(deadline timestamptz) arms the step timer at `deadline` (at once if it has
// passed); NULL disarms it, and lets a cancel the timer already requested fire here.
NIGHTJAR_FUNCTION(nightjar_step_timer) {
    if (!registered) {
        step_timeout = RegisterTimeout(USER_TIMEOUT, StepTimeoutHandler);
        RegisterXactCallback(DisarmAtTransactionEnd, nullptr);
        registered = true;
    }
    Disarm();
    if (PG_ARGISNULL(0)) {
        nightjar::pg::PgCall([] { CHECK_FOR_INTERRUPTS(); });
        PG_RETURN_VOID();
    }
    TimestampTz deadline = PG_GETARG_TIMESTAMPTZ(0);
    TimestampTz now = GetCurrentTimestamp();
    enable_timeout_at(step_timeout, deadline > now ? deadline : now + 1000);  // µs
    PG_RETURN_VOID();
}

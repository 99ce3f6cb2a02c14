// progress.cpp: ActivityProgress, the core's progress hook bound to PostgreSQL's
// interrupts and pg_stat_activity (see progress.hpp).
#include "extension/pg/progress.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/backend_status.h"
}

namespace nightjar::pg {

void CheckInterrupts() {
    // CheckInterrupts lets a pending cancel or termination raise, as a PgError.
    PgCall([] { CHECK_FOR_INTERRUPTS(); });
}

ActivityProgress::ActivityProgress(std::string label, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)) {
    // ActivityProgress remembers the statement's text to put it back at the end.
    if (!label_.empty() && MyBEEntry != nullptr) saved_activity_ = MyBEEntry->st_activity_raw;
}

ActivityProgress::~ActivityProgress() {
    // ~ActivityProgress puts the statement's text back; pgstat_report_activity writes
    // our own status entry and never raises.
    if (reported_) pgstat_report_activity(STATE_RUNNING, saved_activity_.c_str());
}

void ActivityProgress::Report(int64_t done, int64_t total) {
    // Report checks interrupts first, so a cancel is never delayed by the report.
    CheckInterrupts();
    if (label_.empty() || done == 0) return;  // the start of a short computation shows nothing
    std::string line = label_ + ": " + std::to_string(done);
    if (total > 0) line += " of " + std::to_string(total);
    line += " " + unit_;
    pgstat_report_activity(STATE_RUNNING, line.c_str());
    reported_ = true;
}

}  // namespace nightjar::pg

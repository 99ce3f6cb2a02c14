// report.hpp: the run report (totals, per batch, per failed file) as text and JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runner/ingest/resume.hpp"
#include "runner/model/status.hpp"

namespace nightjar::runner {

// BatchReport summarises one batch.
struct BatchReport {
    int seq = 0;
    long batch_id = 0;
    BatchStatus status = BatchStatus::kSkipped;
    int files_staged = 0, files_failed = 0, files_skipped = 0;
    std::uint64_t bytes = 0;
    long records = 0;
    double seconds = 0;
    std::string error;
};

// FailedFile names a failed file and why.
struct FailedFile {
    int batch_seq = 0;
    std::string file;
    std::string error;
};

// RunReport is the whole report of one source's run.
struct RunReport {
    std::string source;
    std::string started_at;
    long run_id = 0;           // nightjar.ingest_run (0: dry run)
    long plan_id = 0;          // the plan followed (nightjar.ingest_plan)
    long earlier_run = 0;      // the run whose recorded plan was resumed or compared
    bool resumed = false;      // this run followed earlier_run's recorded plan
    std::string plan_note;     // one line about the recorded plan ("" when none)
    bool has_changes = false;  // changes were computed against earlier_run's plan
    PlanChanges changes;       // the listing against that plan
    int planned_batches = 0;
    int planned_files = 0;
    std::vector<BatchReport> batches;
    std::vector<FailedFile> failed_files;
    int resume_from = 0;  // the batch the recorded plan was resumed at (0 = not resumed)
    std::vector<int> resume_skipped;  // its batches before resume_from, not run again
    std::string critical;             // one-line cause when the run stopped
    int exit_code = 0;
};

// ReportJson renders the report as a JSON object.
std::string ReportJson(const RunReport& report);

// ReportText renders the report for a person.
std::string ReportText(const RunReport& report);

}  // namespace nightjar::runner

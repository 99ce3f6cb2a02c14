// report.hpp: the run report (totals, per batch, per failed file) as text and JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runner/util/json_text.hpp"

namespace nightjar::runner {

// BatchReport summarises one batch.
struct BatchReport {
    int seq = 0;
    long batch_id = 0;
    std::string status;  // staged | failed | skipped
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
    int planned_batches = 0;
    int planned_files = 0;
    std::vector<BatchReport> batches;
    std::vector<FailedFile> failed_files;
    int resume_from = 0;              // --resume-from-batch K (0 = not given)
    std::vector<int> resume_skipped;  // planned batches skipped by --resume-from-batch
    std::string critical;             // one-line cause when the run stopped
    int exit_code = 0;
};

// ReportJson renders the report as a JSON object.
std::string ReportJson(const RunReport& report);

// ReportText renders the report for a person.
std::string ReportText(const RunReport& report);

}  // namespace nightjar::runner

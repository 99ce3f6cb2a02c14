// run.hpp: `nightjar run` — the batch loop of one source.
#pragma once

#include <string>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// RunOptions are the flags of `nightjar run`.
struct RunOptions {
    std::string source;          // empty: every source in the config
    int resume_from_batch = 0;   // > 0: resume the recorded plan at this batch
    bool resume = false;         // resume the recorded plan at its first batch not staged
    bool dry_run = false;        // print the plan only
    bool interactive = false;    // confirm each batch on stdin
    bool no_cleanup = false;     // keep the spool directory
    std::string report_json;     // write the final report here
    double disk_margin_mb = 64;  // free disk needed beyond the batch's size
};

// RunIngest runs the batch loop for the selected sources and returns the exit code
// (kExitOk or kExitFilesFailed); critical errors are thrown as CriticalError.
int RunIngest(const Config& config, const RunOptions& options);

}  // namespace nightjar::runner

// console.hpp: what a run says to the operator while it runs — the plan of a dry run, the
// --interactive question before each batch, the progress line of each batch (stderr).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runner/model/candidate.hpp"

namespace nightjar::runner {

// PrintPlan prints the plan of a dry run (stdout), from batch `from` on.
void PrintPlan(const std::string& source, const std::vector<PlannedBatch>& plan, int from);

// Confirm asks the operator about a batch; returns 'y', 'n' (skip) or 'q' (stop).
char Confirm(const PlannedBatch& batch);

// Progress is one batch's progress line: live on a terminal (rewritten in place, with an
// ETA), one plain line at the end of the batch otherwise.
struct Progress {
    bool tty = false;
    int seq = 0, nbatches = 0;
    size_t files = 0;
    std::uint64_t bytes = 0;
    // Print shows the line; `final` ends it (the batch is over).
    void Print(bool final, long records, double seconds, double eta_s) const;
};

}  // namespace nightjar::runner

// plan.hpp: batch planning. A pure function, no I/O, so the ordering and splitting rules
// are unit-tested without a server.
#pragma once

#include <vector>

#include "runner/config/config.hpp"
#include "runner/model/candidate.hpp"

namespace nightjar::runner {

// PlanBatches keeps candidates with confidence >= min_confidence, orders them by
// confidence (desc), size (asc), key, caps at max_files and splits into batches of at
// most batch_size files and max_batch_mb (a single larger file gets its own batch).
std::vector<PlannedBatch> PlanBatches(std::vector<Candidate> candidates,
                                      const SourceConfig& source);

}  // namespace nightjar::runner

// candidate.hpp: the runner's shared model — a listed file (Candidate) and a batch of the
// plan (PlannedBatch). Sources produce candidates; scoring, planning, staging and the
// catalog consume them. Plain data, no behaviour, so every layer can include it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nightjar::runner {

// Candidate is one listed file with its relevance score.
struct Candidate {
    std::string key;         // source-relative path, S3 key or HTTP item id
    std::string name;        // display name (basename)
    std::string rel_path;    // what relevance rules read: path under the location (HTTP: name)
    std::uint64_t size = 0;  // bytes (0 when unknown)
    double confidence = 1.0;
    std::string extra;  // source-specific data (e.g. HTTP bookmark value)
};

// PlannedBatch is one batch of the plan; seq starts at 1.
struct PlannedBatch {
    int seq = 0;
    std::vector<Candidate> files;
    std::uint64_t bytes = 0;
};

}  // namespace nightjar::runner

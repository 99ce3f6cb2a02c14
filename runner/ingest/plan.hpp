// plan.hpp: relevance scoring and batch planning. Pure functions, no I/O, so the
// ordering and splitting rules are unit-tested without a server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// Candidate is one listed file with its relevance score.
struct Candidate {
    std::string key;         // source-relative path, S3 key or HTTP item id
    std::string name;        // display name (basename)
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

// ScoreName returns the weighted fraction of relevance rules matched by the path, in [0, 1]
// (1 when the source has no rules). Keywords match case-insensitively as substrings.
double ScoreName(const std::string& path, const std::vector<RelevanceRule>& rules);

// CombineScore merges the name score with the header score (fraction of expected headers
// found) weighting the header part by header_weight relative to the total rule weight.
double CombineScore(double name_score, const std::vector<RelevanceRule>& rules, double header_score,
                    double header_weight);

// GlobMatch matches a path against a glob: * and ? stay within a segment, ** crosses '/',
// {a,b} alternates.
bool GlobMatch(const std::string& pattern, const std::string& path);

// PlanBatches keeps candidates with confidence >= min_confidence, orders them by
// confidence (desc), size (asc), key, caps at max_files and splits into batches of at
// most batch_size files and max_batch_mb (a single larger file gets its own batch).
std::vector<PlannedBatch> PlanBatches(std::vector<Candidate> candidates,
                                      const SourceConfig& source);

// SpoolName derives a spool file name that cannot escape the spool directory: a sequence
// number plus the key's basename reduced to [A-Za-z0-9._-] (no leading dot).
std::string SpoolName(int seq, const std::string& key);

}  // namespace nightjar::runner

// plan.cpp: batch planning. It sorts once (n log n) and splits greedily in order, so the
// plan is a deterministic function of the scored listing and the configuration. The plan
// is recorded in the catalog (nightjar.record_plan) before the first batch, so a resumed
// run follows the recorded plan, not a new one.
#include "runner/ingest/plan.hpp"

#include <algorithm>

namespace nightjar::runner {

// PlanBatches filters, orders, caps and splits the candidates.
std::vector<PlannedBatch> PlanBatches(std::vector<Candidate> candidates,
                                      const SourceConfig& source) {
    candidates.erase(
        std::remove_if(candidates.begin(), candidates.end(),
                       [&](const Candidate& c) { return c.confidence < source.min_confidence; }),
        candidates.end());
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        if (a.confidence != b.confidence) return a.confidence > b.confidence;
        if (a.size != b.size) return a.size < b.size;
        return a.key < b.key;
    });
    if (source.max_files > 0 && candidates.size() > static_cast<size_t>(source.max_files))
        candidates.resize(static_cast<size_t>(source.max_files));
    const auto max_bytes = static_cast<std::uint64_t>(source.max_batch_mb * 1024 * 1024);
    std::vector<PlannedBatch> batches;
    for (auto& c : candidates) {
        bool need_new =
            batches.empty() ||
            batches.back().files.size() >= static_cast<size_t>(source.batch_size) ||
            (!batches.back().files.empty() && batches.back().bytes + c.size > max_bytes);
        if (need_new) {
            batches.emplace_back();
            batches.back().seq = static_cast<int>(batches.size());
        }
        batches.back().bytes += c.size;
        batches.back().files.push_back(std::move(c));
    }
    return batches;
}

}  // namespace nightjar::runner

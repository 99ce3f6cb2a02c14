// resume.cpp: comparisons by key with hash maps — linear in the plan and the listing.
// Identity is the key (path, S3 key, item id); content is not known before download, so
// "changed" means another size or bookmark value, and a file rewritten with the same size
// shows as unchanged here (its checksum still decides at staging).
#include "runner/ingest/resume.hpp"

#include <unordered_map>
#include <unordered_set>

namespace nightjar::runner {

// DiffPlan compares the compared batches' files with the relevant listing.
PlanChanges DiffPlan(const std::vector<PlannedBatch>& recorded, const std::vector<bool>& compare,
                     const std::vector<Candidate>& relevant) {
    PlanChanges out;
    std::unordered_map<std::string, const Candidate*> now;
    for (const auto& c : relevant) now.emplace(c.key, &c);
    std::unordered_set<std::string> planned;
    for (size_t i = 0; i < recorded.size(); ++i)
        for (const auto& f : recorded[i].files) {
            planned.insert(f.key);
            if (i >= compare.size() || !compare[i]) continue;
            auto it = now.find(f.key);
            if (it == now.end()) {
                out.gone.push_back(f.key);
                continue;
            }
            const Candidate& c = *it->second;
            if (f.size && c.size && f.size != c.size)
                out.changed.push_back(f.key + " (size " + std::to_string(f.size) + " -> " +
                                      std::to_string(c.size) + ")");
            else if (f.extra != c.extra)
                out.changed.push_back(f.key + " (" + f.extra + " -> " + c.extra + ")");
        }
    for (const auto& c : relevant)
        if (!planned.count(c.key)) out.added.push_back(c.key);
    return out;
}

// ResumeBatches refreshes the recorded files from the listing and collects the gone ones.
std::vector<PlannedBatch> ResumeBatches(std::vector<PlannedBatch> recorded,
                                        const std::vector<Candidate>& listed,
                                        std::set<std::string>& gone) {
    std::unordered_map<std::string, const Candidate*> now;
    for (const auto& c : listed) now.emplace(c.key, &c);
    for (auto& b : recorded) {
        b.bytes = 0;
        for (auto& f : b.files) {
            auto it = now.find(f.key);
            if (it == now.end()) {
                gone.insert(f.key);
            } else {
                double confidence = f.confidence;  // the plan's decision stands
                f = *it->second;
                f.confidence = confidence;
            }
            b.bytes += f.size;
        }
    }
    return recorded;
}

// PlanChangesText renders the changes as lines.
std::string PlanChangesText(const PlanChanges& changes, size_t max_each) {
    std::string out;
    auto list = [&](const std::vector<std::string>& names, const char* kind) {
        for (size_t i = 0; i < names.size() && i < max_each; ++i)
            out += std::string("  ") + kind + ": " + names[i] + "\n";
        if (names.size() > max_each)
            out += "  … and " + std::to_string(names.size() - max_each) + " more " + kind + "\n";
    };
    list(changes.added, "new");
    list(changes.gone, "gone");
    list(changes.changed, "changed");
    return out;
}

}  // namespace nightjar::runner

// resume.hpp: a run's plan against the catalog's recorded plan. A resumed run follows the
// plan an earlier run recorded (its batch numbers, its files), whatever the listing says
// now; a new run after an unfinished plan says what changed in the listing since. Pure
// functions, unit-tested without a server.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "runner/model/candidate.hpp"

namespace nightjar::runner {

// PlanChanges is what changed in the listing since a recorded plan.
struct PlanChanges {
    std::vector<std::string> added;  // relevant now, in no batch of the plan
    std::vector<std::string> gone;   // in a compared batch of the plan, not listed now
    std::vector<std::string>
        changed;  // in both with another size or bookmark value: "key (size A -> B)"
    // Empty says whether nothing changed.
    bool Empty() const { return added.empty() && gone.empty() && changed.empty(); }
};

// DiffPlan compares the files of the recorded batches whose `compare` flag is set with
// the relevant candidates of the listing now; a candidate in any batch of the plan is not
// new. A size of 0 (unknown) matches any size.
PlanChanges DiffPlan(const std::vector<PlannedBatch>& recorded, const std::vector<bool>& compare,
                     const std::vector<Candidate>& relevant);

// ResumeBatches returns the recorded batches with each file's current listing data (size,
// path read by rules, bookmark value) and the plan's confidence; the keys of files no
// longer listed are added to `gone` (they keep their recorded data).
std::vector<PlannedBatch> ResumeBatches(std::vector<PlannedBatch> recorded,
                                        const std::vector<Candidate>& listed,
                                        std::set<std::string>& gone);

// PlanChangesText renders the changes as lines ("  new: key"), at most max_each names per
// kind and then "  … and N more new".
std::string PlanChangesText(const PlanChanges& changes, size_t max_each);

}  // namespace nightjar::runner

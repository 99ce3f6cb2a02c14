// link_constraints.hpp: a reviewer's decisions applied to tonight's clusters.
//
// Accepting a suggestion records a must-link between two records, rejecting one a
// cannot-link (nightjar.link_constraint). Resolution should honour them while it
// clusters (a must-link is an accepted edge; a cannot-link a pair that must end in
// different clusters, cut like one_per_source). Until it does — and as a safety net
// afterwards — consolidation applies them to the clusters it receives:
//   1. must-link (a, b): the clusters of a and b become one (union-find over clusters);
//   2. cannot-link (a, b), in the order given: when a and b share a cluster, b's side
//      leaves it for a cluster of its own. b's side is, when b belonged to a prior entity
//      that a did not belong to, every record of the cluster from b's prior entity (a
//      cannot-link usually answers a merge of two entities: it undoes that merge and
//      nothing else); otherwise b alone. Each record moves with the records must-linked
//      to it (directly or through others); a's must-group never moves. A cannot-link
//      between records of one must-linked group contradicts the group and is skipped
//      (counted as a conflict): the caller keeps only the latest decision per pair, so a
//      conflict needs two decisions on different pairs.
// Phases: relabel clusters densely; union clusters; union records of must-linked groups;
// one pass over the cannot-links. Memory O(records); time O(records + constraints · α).
// Trade-off: step 2 decides sides by last night's entities, not by the pair weights (which
// resolution has and this does not): new records in the cluster stay on a's side.
#pragma once

#include <cstdint>
#include <vector>

#include "core/consolidate/stable_ids.hpp"

namespace nightjar::core::consolidate {

// RecordLink is a constraint between two records, by their index.
struct RecordLink {
    int64_t a = 0;
    int64_t b = 0;
};

// ConstraintReport counts what the constraints changed.
struct ConstraintReport {
    int64_t must_joined = 0;   // must-links that joined two clusters
    int64_t cannot_split = 0;  // cannot-links that moved records out of a cluster
    int64_t conflicts = 0;     // cannot-links inside one must-linked group (skipped)
    int64_t skipped_gone = 0;  // constraints naming a record that is in no cluster
};

// ApplyLinkConstraints rewrites the cluster labels of `records` (dense labels 0..k-1
// afterwards; gone records stay kGone); throws InvalidArgument for an index out of range.
ConstraintReport ApplyLinkConstraints(std::vector<RecordPlacement>& records,
                                      const std::vector<RecordLink>& must,
                                      const std::vector<RecordLink>& cannot);

}  // namespace nightjar::core::consolidate

#include "core/cpp_only.hpp"

// cluster.hpp: entities from accepted pairs (internal to the resolver, unit-tested).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/util/progress.hpp"

namespace nightjar::core::resolve {

// Edge is an accepted pair with its probability.
struct Edge {
    uint32_t a = 0, b = 0;
    float probability = 0;
};

// RecordLink is a pair of record indexes named by a reviewer's decision.
struct RecordLink {
    uint32_t a = 0, b = 0;
};

// LinkConstraints are the reviewers' decisions (nightjar.link_constraint) as record pairs.
struct LinkConstraints {
    std::vector<RecordLink> must_link;    // same entity, whatever the scores say
    std::vector<RecordLink> cannot_link;  // never in one entity
    bool empty() const { return must_link.empty() && cannot_link.empty(); }
};

// Clustering is the outcome of Cluster.
struct Clustering {
    std::vector<uint32_t> entity_of;  // per record, dense, numbered by smallest record
    std::vector<uint8_t> kept;        // per edge (input order): 1 kept, 0 cut
    size_t entities = 0;
    size_t cut = 0;               // edges cut (by one_per_source or by a cannot-link)
    size_t must_links = 0;        // must-links that joined two components
    size_t cannot_link_cuts = 0;  // edges cut because they would join a cannot-link pair
    size_t conflicts = 0;         // cannot-links inside one must-linked group: ignored
};

// Cluster unions the records of `edges` (connected components). Must-links join their
// records first, as edges of probability 1 that no rule refuses; a cannot-link whose two
// records the must-links already joined is a conflict (ignored, counted). Then the edges
// are taken strongest first; an edge is cut (counted) when it would put the two records of
// a cannot-link in one entity, or, with one_per_source, two records of one source.
Clustering Cluster(size_t records, const std::vector<uint32_t>& source_of,
                   const std::vector<Edge>& edges, bool one_per_source, Progress& progress,
                   const LinkConstraints& constraints = LinkConstraints());

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"

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

// Clustering is the outcome of Cluster.
struct Clustering {
    std::vector<uint32_t> entity_of;  // per record, dense, numbered by smallest record
    std::vector<uint8_t> kept;        // per edge (input order): 1 kept, 0 cut
    size_t entities = 0;
    size_t cut = 0;
};

// Cluster unions the records of `edges` (connected components). With one_per_source, the
// edges are taken strongest first and an edge that would put two records of one source
// in one entity is cut (counted), so every entity holds at most one record per source.
Clustering Cluster(size_t records, const std::vector<uint32_t>& source_of,
                   const std::vector<Edge>& edges, bool one_per_source, Progress& progress);

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"

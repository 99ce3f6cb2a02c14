// cluster.cpp: connected components with the one-record-per-source constraint.
//
// Phases: edges are ordered by probability (descending, ties by record indexes so reruns
// agree), then merged with a union-find (path halving, union by size). Under
// one_per_source each root keeps its members' sources (a 64-bit mask up to 64 sources,
// else a sorted list); an edge whose
// two components share a source is cut — the greedy "weakest links go" rule: an edge is
// only refused when stronger edges already tied its ends to conflicting records. Merging
// appends the smaller source list to the larger (small-to-large), so building all lists
// costs O(R log R) moves. Memory: 8 bytes per record plus 8 for the masks (or the source
// lists), 4 bytes per edge for the order. Time: O(E log E) for the sort plus
// near-linear union-find. Trade-off: greedy, not an optimal multicut; a chain of strong
// wrong edges is not undone by later evidence.
// Link constraints (reviewers' decisions): must-links are unions made before any edge,
// exempt from one_per_source; each cannot-link is then listed under the roots of its two
// records (a hash map over the few roots concerned, lists merged small-to-large), and an
// edge joining two roots that hold the two ends of one cannot-link is cut like a
// one_per_source conflict — so the weakest links between them go. Cost without
// constraints: one empty-map test per merge.
// Components are independent: the edges of one connected component of all the edges
// decide its entities alone, in the same order, whatever the other components hold — so
// re-clustering only the components an incremental run touched gives the full result.
#include "core/resolve/cluster.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <unordered_map>

#include "core/util/radix_sort.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

// UnionFind is a disjoint-set forest.
struct UnionFind {
    std::vector<uint32_t> parent, size;
    explicit UnionFind(size_t n) : parent(n), size(n, 1) {
        std::iota(parent.begin(), parent.end(), 0u);
    }
    // Find returns the root of x (path halving).
    uint32_t Find(uint32_t x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }
};

// SharesSource says whether two sorted source lists intersect.
bool SharesSource(const std::vector<uint32_t>& x, const std::vector<uint32_t>& y) {
    for (size_t i = 0, j = 0; i < x.size() && j < y.size();) {
        if (x[i] < y[j])
            ++i;
        else if (y[j] < x[i])
            ++j;
        else
            return true;
    }
    return false;
}

}  // namespace

namespace {

// EdgeOrder returns the edges' indexes by probability (descending), then (a, b): when the
// edges come sorted by (a, b) -- as the resolver's pairs do -- and no probability is
// negative, by a stable radix sort of the probabilities' bits (two 16-bit passes), else by
// a comparison sort.
std::vector<uint32_t> EdgeOrder(const std::vector<Edge>& edges) {
    std::vector<uint32_t> order(edges.size());
    std::iota(order.begin(), order.end(), 0u);
    bool radix = true;
    for (size_t i = 0; i < edges.size() && radix; ++i) {
        radix =
            edges[i].probability >= 0 && (i == 0 || std::make_pair(edges[i - 1].a, edges[i - 1].b) <
                                                        std::make_pair(edges[i].a, edges[i].b));
    }
    if (!radix) {
        std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
            const Edge &ex = edges[x], &ey = edges[y];
            if (ex.probability != ey.probability) return ex.probability > ey.probability;
            if (ex.a != ey.a) return ex.a < ey.a;
            return ex.b < ey.b;
        });
        return order;
    }
    // A non-negative float's bits order as its value; complemented, descending.
    std::vector<uint32_t> key(edges.size());
    for (size_t i = 0; i < edges.size(); ++i) {
        uint32_t bits;
        std::memcpy(&bits, &edges[i].probability, sizeof bits);
        key[i] = ~bits;
    }
    StableRadixSort(order, 32, [&](uint32_t e) { return key[e]; });
    return order;
}

}  // namespace

Clustering Cluster(size_t records, const std::vector<uint32_t>& source_of,
                   const std::vector<Edge>& edges, bool one_per_source, Progress& progress,
                   const LinkConstraints& constraints) {
    // Cluster applies the must-links, sorts the edges, merges components and numbers them.
    Clustering out;
    out.kept.assign(edges.size(), 0);
    const std::vector<uint32_t> order = EdgeOrder(edges);
    UnionFind uf(records);
    // Up to 64 sources, a root's sources are one 64-bit mask; beyond, sorted lists.
    uint32_t max_source = 0;
    for (uint32_t s : source_of) max_source = std::max(max_source, s);
    const bool masks = one_per_source && max_source < 64;
    std::vector<uint64_t> mask;
    std::vector<std::vector<uint32_t>> sources;
    if (masks) {
        mask.resize(records);
        for (size_t r = 0; r < records; ++r) mask[r] = uint64_t{1} << source_of[r];
    } else if (one_per_source) {
        sources.resize(records);
        for (size_t r = 0; r < records; ++r) sources[r].push_back(source_of[r]);
    }
    // cannot_at[root]: the cannot-links with one end under root.
    std::unordered_map<uint32_t, std::vector<uint32_t>> cannot_at;
    const auto& cannot = constraints.cannot_link;
    // Join makes y's component part of x's (x is the larger root).
    auto join = [&](uint32_t x, uint32_t y) {
        if (masks) {
            mask[x] |= mask[y];
        } else if (one_per_source) {
            std::vector<uint32_t> merged;
            merged.reserve(sources[x].size() + sources[y].size());
            std::merge(sources[x].begin(), sources[x].end(), sources[y].begin(), sources[y].end(),
                       std::back_inserter(merged));
            sources[x].swap(merged);
            std::vector<uint32_t>().swap(sources[y]);
        }
        if (!cannot_at.empty()) {
            auto ity = cannot_at.find(y);
            if (ity != cannot_at.end()) {
                std::vector<uint32_t> moved = std::move(ity->second);
                cannot_at.erase(ity);
                std::vector<uint32_t>& into = cannot_at[x];
                if (into.size() < moved.size()) into.swap(moved);
                into.insert(into.end(), moved.begin(), moved.end());
            }
        }
        uf.parent[y] = x;
        uf.size[x] += uf.size[y];
    };
    // Forbidden says whether joining roots x and y would join the ends of a cannot-link.
    auto forbidden = [&](uint32_t x, uint32_t y) {
        if (cannot_at.empty()) return false;
        auto ix = cannot_at.find(x), iy = cannot_at.find(y);
        if (ix == cannot_at.end() || iy == cannot_at.end()) return false;
        const std::vector<uint32_t>& list =
            ix->second.size() <= iy->second.size() ? ix->second : iy->second;
        for (uint32_t c : list) {
            uint32_t ra = uf.Find(cannot[c].a), rb = uf.Find(cannot[c].b);
            if ((ra == x && rb == y) || (ra == y && rb == x)) return true;
        }
        return false;
    };
    for (const RecordLink& link : constraints.must_link) {
        if (link.a >= records || link.b >= records) continue;
        uint32_t x = uf.Find(link.a), y = uf.Find(link.b);
        if (x == y) continue;
        if (uf.size[x] < uf.size[y]) std::swap(x, y);
        join(x, y);
        ++out.must_links;
    }
    for (uint32_t c = 0; c < cannot.size(); ++c) {
        if (cannot[c].a >= records || cannot[c].b >= records) continue;
        uint32_t x = uf.Find(cannot[c].a), y = uf.Find(cannot[c].b);
        if (x == y) {
            ++out.conflicts;
            continue;
        }
        cannot_at[x].push_back(c);
        cannot_at[y].push_back(c);
    }
    ProgressTicker ticker(progress, static_cast<int64_t>(edges.size()), 100000);
    for (uint32_t e : order) {
        ticker.Tick();
        uint32_t x = uf.Find(edges[e].a), y = uf.Find(edges[e].b);
        if (x == y) {
            out.kept[e] = 1;
            continue;
        }
        if (uf.size[x] < uf.size[y]) std::swap(x, y);
        if (forbidden(x, y)) {
            ++out.cut;
            ++out.cannot_link_cuts;
            continue;
        }
        if ((masks && (mask[x] & mask[y])) ||
            (!masks && one_per_source && SharesSource(sources[x], sources[y]))) {
            ++out.cut;
            continue;
        }
        join(x, y);
        out.kept[e] = 1;
    }
    out.entity_of.assign(records, 0);
    std::vector<uint32_t> number(records, UINT32_MAX);
    uint32_t next = 0;
    for (uint32_t r = 0; r < records; ++r) {
        uint32_t root = uf.Find(r);
        if (number[root] == UINT32_MAX) number[root] = next++;
        out.entity_of[r] = number[root];
    }
    out.entities = next;
    return out;
}

}  // namespace nightjar::core::resolve

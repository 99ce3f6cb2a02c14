// link_constraints.cpp: ApplyLinkConstraints (see link_constraints.hpp).
#include "core/consolidate/link_constraints.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <unordered_map>

#include "core/errors.hpp"

namespace nightjar::core::consolidate {

namespace {

// UnionFind is a disjoint-set forest with path halving and union by size.
class UnionFind {
  public:
    explicit UnionFind(size_t n) : parent_(n), size_(n, 1) {
        std::iota(parent_.begin(), parent_.end(), 0);
    }
    // Find returns the representative of x.
    int64_t Find(int64_t x) {
        while (parent_[x] != x) {
            parent_[x] = parent_[parent_[x]];
            x = parent_[x];
        }
        return x;
    }
    // Union joins the sets of a and b; returns false when they were one already.
    bool Union(int64_t a, int64_t b) {
        a = Find(a);
        b = Find(b);
        if (a == b) return false;
        if (size_[a] < size_[b]) std::swap(a, b);
        parent_[b] = a;
        size_[a] += size_[b];
        return true;
    }

  private:
    std::vector<int64_t> parent_;
    std::vector<int64_t> size_;
};

// CheckIndex refuses a record index outside the records.
void CheckIndex(int64_t i, size_t n, const char* kind) {
    if (i < 0 || static_cast<size_t>(i) >= n) {
        throw InvalidArgument(std::string(kind) + " names record " + std::to_string(i) +
                              ", outside the " + std::to_string(n) + " records");
    }
}

}  // namespace

// ApplyLinkConstraints joins must-linked clusters and separates cannot-linked records.
ConstraintReport ApplyLinkConstraints(std::vector<RecordPlacement>& records,
                                      const std::vector<RecordLink>& must,
                                      const std::vector<RecordLink>& cannot) {
    ConstraintReport report;
    const size_t n = records.size();
    for (const RecordLink& l : must) {
        CheckIndex(l.a, n, "a must-link");
        CheckIndex(l.b, n, "a must-link");
    }
    for (const RecordLink& l : cannot) {
        CheckIndex(l.a, n, "a cannot-link");
        CheckIndex(l.b, n, "a cannot-link");
    }
    // Dense labels, so that union-find can index clusters and fresh labels are easy.
    std::unordered_map<int64_t, int64_t> dense;
    for (RecordPlacement& r : records) {
        if (r.cluster == kGone) continue;
        r.cluster = dense.emplace(r.cluster, static_cast<int64_t>(dense.size())).first->second;
    }
    int64_t next_label = static_cast<int64_t>(dense.size());

    // 1. must-links join clusters; records of one must-group are tied for step 2.
    UnionFind clusters(dense.size());
    UnionFind groups(n);
    for (const RecordLink& l : must) {
        if (records[l.a].cluster == kGone || records[l.b].cluster == kGone) {
            ++report.skipped_gone;
            continue;
        }
        groups.Union(l.a, l.b);
        if (clusters.Union(records[l.a].cluster, records[l.b].cluster)) ++report.must_joined;
    }
    for (RecordPlacement& r : records) {
        if (r.cluster != kGone) r.cluster = clusters.Find(r.cluster);
    }

    // 2. cannot-links move b's side out of a shared cluster.
    if (cannot.empty()) return report;
    std::unordered_map<int64_t, std::vector<int64_t>> group_members;    // must-group -> records
    std::unordered_map<int64_t, std::vector<int64_t>> cluster_members;  // cluster -> records
    for (size_t i = 0; i < n; ++i) {
        const int64_t x = static_cast<int64_t>(i);
        if (records[i].cluster == kGone) continue;
        cluster_members[records[i].cluster].push_back(x);
        group_members[groups.Find(x)].push_back(x);
    }
    for (const RecordLink& l : cannot) {
        if (records[l.a].cluster == kGone || records[l.b].cluster == kGone) {
            ++report.skipped_gone;
            continue;
        }
        const int64_t from = records[l.a].cluster;
        if (from != records[l.b].cluster) continue;
        const int64_t group_a = groups.Find(l.a);
        if (groups.Find(l.b) == group_a) {
            ++report.conflicts;
            continue;
        }
        // b's side: the must-groups of the records that shared b's prior entity (when a
        // came from another one), else b's must-group alone; never a's must-group.
        const int64_t prior_b = records[l.b].prior_entity;
        const bool by_prior = prior_b != kNoEntity && prior_b != records[l.a].prior_entity;
        std::vector<int64_t> roots;
        for (int64_t x : cluster_members[from]) {
            const bool on_b_side = by_prior ? records[x].prior_entity == prior_b : x == l.b;
            const int64_t root = groups.Find(x);
            if (on_b_side && root != group_a) roots.push_back(root);
        }
        std::sort(roots.begin(), roots.end());
        roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
        const int64_t label = next_label++;
        std::vector<int64_t>& moved = cluster_members[label];
        for (int64_t root : roots) {
            for (int64_t x : group_members[root]) {
                records[x].cluster = label;
                moved.push_back(x);
            }
        }
        std::vector<int64_t>& left = cluster_members[from];
        left.erase(std::remove_if(left.begin(), left.end(),
                                  [&](int64_t x) { return records[x].cluster == label; }),
                   left.end());
        ++report.cannot_split;
    }
    return report;
}

}  // namespace nightjar::core::consolidate

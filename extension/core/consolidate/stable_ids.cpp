// stable_ids.cpp: AssignStableIds (see stable_ids.hpp for the rules and the design).
#include "core/consolidate/stable_ids.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "core/errors.hpp"

namespace nightjar::core::consolidate {

namespace {

// Cluster is one of tonight's clusters, numbered by its first record.
struct Cluster {
    int64_t size = 0;
    int64_t id = 0;          // the stable id it takes (placeholder < 0 when fresh)
    int64_t survivor = -1;   // index of the prior entity whose id it takes, or -1
    int64_t from_prior = 0;  // records that belonged to some prior entity
    int64_t top_prior = -1;  // the prior entity that gave it most records (for reasons)
    int64_t top_prior_n = 0;
    std::vector<int64_t> claimants;  // prior entities that keep this cluster
};

// Prior is what the pass over the records learns about one prior entity.
struct Prior {
    int64_t size = 0;         // records it had last night
    int64_t present = 0;      // of which still in a cluster tonight
    int64_t kept = -1;        // the cluster it keeps, or -1
    int64_t kept_n = 0;       // its records in that cluster
    int64_t merged_into = 0;  // the survivor's id when absorbed by a merge
};

// Overlap counts the records of one prior entity in one cluster.
struct Overlap {
    int64_t cluster;
    int64_t prior;
    int64_t n;
};

// Plural returns "1 record" or "n records".
std::string Records(int64_t n) { return std::to_string(n) + (n == 1 ? " record" : " records"); }

// IndexPriors maps each prior entity's id to its position, refusing bad or repeated ids.
std::unordered_map<int64_t, int64_t> IndexPriors(const std::vector<PriorEntity>& prior) {
    std::unordered_map<int64_t, int64_t> index;
    index.reserve(prior.size());
    for (size_t i = 0; i < prior.size(); ++i) {
        if (prior[i].id <= 0) {
            throw InvalidArgument("prior entity id must be positive, got " +
                                  std::to_string(prior[i].id));
        }
        if (!index.emplace(prior[i].id, static_cast<int64_t>(i)).second) {
            throw InvalidArgument("prior entity id " + std::to_string(prior[i].id) +
                                  " appears twice");
        }
    }
    return index;
}

}  // namespace

// EntityEventKindName returns the event kind's name as stored in nightjar.entity_event.
const char* EntityEventKindName(EntityEventKind kind) {
    switch (kind) {
        case EntityEventKind::kCreated:
            return "created";
        case EntityEventKind::kMerged:
            return "merged";
        case EntityEventKind::kSplit:
            return "split";
        case EntityEventKind::kRetired:
            return "retired";
        case EntityEventKind::kMemberAdded:
            return "member_added";
        case EntityEventKind::kMemberRemoved:
            return "member_removed";
    }
    return "unknown";
}

// AssignStableIds maps tonight's clusters onto last night's entities.
StableIdResult AssignStableIds(const std::vector<PriorEntity>& prior,
                               const std::vector<RecordPlacement>& records, Progress& progress) {
    const std::unordered_map<int64_t, int64_t> prior_index = IndexPriors(prior);
    const int64_t n_records = static_cast<int64_t>(records.size());
    ProgressTicker ticker(progress, 2 * n_records, 1 << 16);

    // Phase 1: clusters in order of their first record, record -> cluster, overlaps.
    std::vector<Cluster> clusters;
    std::vector<Prior> priors(prior.size());
    std::vector<int64_t> record_cluster(records.size(), -1);
    std::vector<int64_t> record_prior(records.size(), -1);
    std::unordered_map<int64_t, int64_t> cluster_index;
    std::unordered_map<uint64_t, int64_t> overlap_index;  // cluster * |prior| + prior -> overlaps
    std::vector<Overlap> overlaps;
    const uint64_t n_prior = prior.size();
    for (int64_t i = 0; i < n_records; ++i) {
        const RecordPlacement& r = records[i];
        int64_t p = -1;
        if (r.prior_entity != kNoEntity) {
            auto it = prior_index.find(r.prior_entity);
            if (it == prior_index.end()) {
                throw InvalidArgument("record " + std::to_string(i) + " names prior entity " +
                                      std::to_string(r.prior_entity) +
                                      ", which is not among the prior entities");
            }
            p = it->second;
            record_prior[i] = p;
            ++priors[p].size;
        }
        if (r.cluster != kGone) {
            auto [it, fresh] =
                cluster_index.emplace(r.cluster, static_cast<int64_t>(clusters.size()));
            if (fresh) clusters.emplace_back();
            const int64_t c = it->second;
            record_cluster[i] = c;
            ++clusters[c].size;
            if (p >= 0) {
                ++priors[p].present;
                const uint64_t key = static_cast<uint64_t>(c) * n_prior + static_cast<uint64_t>(p);
                auto [o, added] = overlap_index.emplace(key, static_cast<int64_t>(overlaps.size()));
                if (added) overlaps.push_back({c, p, 0});
                ++overlaps[o->second].n;
            }
        }
        ticker.Tick();
    }

    // Phase 2: each prior entity keeps its largest part (tie: the earlier cluster).
    for (const Overlap& o : overlaps) {
        Prior& pr = priors[o.prior];
        if (o.n > pr.kept_n || (o.n == pr.kept_n && o.cluster < pr.kept)) {
            pr.kept = o.cluster;
            pr.kept_n = o.n;
        }
        Cluster& cl = clusters[o.cluster];
        cl.from_prior += o.n;
        if (o.n > cl.top_prior_n ||
            (o.n == cl.top_prior_n && prior[o.prior].id < prior[cl.top_prior].id)) {
            cl.top_prior = o.prior;
            cl.top_prior_n = o.n;
        }
    }
    for (size_t p = 0; p < priors.size(); ++p) {
        if (priors[p].kept >= 0) clusters[priors[p].kept].claimants.push_back(p);
    }

    // Phase 3: ids per cluster — survivor of the claimants, or a fresh placeholder.
    StableIdResult out;
    int64_t next_placeholder = -1;
    for (Cluster& cl : clusters) {
        auto older = [&](int64_t a, int64_t b) {
            return std::tie(prior[a].created_at, prior[a].id) <
                   std::tie(prior[b].created_at, prior[b].id);
        };
        std::sort(cl.claimants.begin(), cl.claimants.end(), older);
        if (cl.claimants.empty()) {
            cl.id = next_placeholder--;
            out.created.push_back(cl.id);
            out.changed.push_back(cl.id);
            std::string reason =
                cl.from_prior == 0
                    ? Records(cl.size) + ", none of them in an entity before"
                    : "split from entity " + std::to_string(prior[cl.top_prior].id) + " (" +
                          Records(cl.top_prior_n) + " of " + Records(cl.size) + ")";
            out.events.push_back({EntityEventKind::kCreated, cl.id, 0, -1, std::move(reason)});
            continue;
        }
        cl.survivor = cl.claimants.front();
        cl.id = prior[cl.survivor].id;
        const Prior& sp = priors[cl.survivor];
        const bool same = cl.claimants.size() == 1 && sp.kept_n == cl.size && sp.size == cl.size;
        if (same) {
            ++out.unchanged;
        } else {
            out.changed.push_back(cl.id);
        }
        for (size_t k = 1; k < cl.claimants.size(); ++k) {
            const int64_t absorbed = cl.claimants[k];
            priors[absorbed].merged_into = cl.id;
            out.merged.push_back({prior[absorbed].id, cl.id});
            out.events.push_back({EntityEventKind::kMerged, prior[absorbed].id, cl.id, -1,
                                  "merged into entity " + std::to_string(cl.id) +
                                      " (the oldest of " + std::to_string(cl.claimants.size()) +
                                      " merged entities; " + Records(priors[absorbed].kept_n) +
                                      " moved)"});
        }
    }

    // Phase 4: splits — overlaps outside the cluster an entity kept.
    std::vector<const Overlap*> splits;
    for (const Overlap& o : overlaps) {
        if (o.cluster != priors[o.prior].kept) splits.push_back(&o);
    }
    std::sort(splits.begin(), splits.end(), [&](const Overlap* a, const Overlap* b) {
        return std::make_tuple(prior[a->prior].id, a->cluster) <
               std::make_tuple(prior[b->prior].id, b->cluster);
    });
    for (const Overlap* o : splits) {
        const Prior& pr = priors[o->prior];
        const int64_t to = clusters[o->cluster].id;  // a placeholder (< 0) for a new entity
        out.events.push_back(
            {EntityEventKind::kSplit, prior[o->prior].id, to, -1,
             Records(o->n) + " of " + std::to_string(pr.size) + " moved to " +
                 (to < 0 ? std::string("a new entity") : "entity " + std::to_string(to)) +
                 "; the largest part (" + Records(pr.kept_n) + ") kept the id"});
    }

    // Phase 5: retired entities, in id order.
    std::vector<int64_t> retired_idx;
    for (size_t p = 0; p < priors.size(); ++p) {
        if (priors[p].present == 0) retired_idx.push_back(p);
    }
    std::sort(retired_idx.begin(), retired_idx.end(),
              [&](int64_t a, int64_t b) { return prior[a].id < prior[b].id; });
    for (int64_t p : retired_idx) {
        out.retired.push_back(prior[p].id);
        out.events.push_back({EntityEventKind::kRetired, prior[p].id, 0, -1,
                              priors[p].size == 0
                                  ? std::string("it had no record")
                                  : "all its " + Records(priors[p].size) + " left the resolution"});
    }

    // Phase 6: per-record answer and member events.
    out.record_entity.assign(records.size(), kNoEntity);
    for (int64_t i = 0; i < n_records; ++i) {
        const int64_t c = record_cluster[i];
        const int64_t p = record_prior[i];
        if (c >= 0) {
            const Cluster& cl = clusters[c];
            out.record_entity[i] = cl.id;
            if (p < 0 && cl.survivor >= 0) {
                out.events.push_back({EntityEventKind::kMemberAdded, cl.id, 0, i, "new record"});
            }
        } else if (p >= 0 && priors[p].present > 0) {
            out.events.push_back(
                {EntityEventKind::kMemberRemoved, prior[p].id, 0, i, "record left the resolution"});
        }
        ticker.Tick();
    }
    return out;
}

}  // namespace nightjar::core::consolidate

// resolve_incremental_test.cpp: link constraints in clustering (must-links join,
// cannot-links cut the weakest link), the independence of components that lets an
// incremental run re-cluster, the model's text form, and incremental runs equal to a
// full run with the same frozen model on generated actors.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>

#include "core/errors.hpp"
#include "core/resolve/cluster.hpp"
#include "core/resolve/incremental.hpp"
#include "core/resolve/model_state.hpp"
#include "core/resolve/resolver.hpp"
#include "resolve_synthetic.hpp"

namespace nightjar::core::resolve {
namespace {

TEST(ResolveConstraints, MustLinkJoinsRecordsWithoutAnEdge) {
    // 0-1 scored; 2 has no edge; a must-link 1-2 joins it, although 1 and 2 share a source.
    LinkConstraints lc;
    lc.must_link.push_back({1, 2});
    Clustering c = Cluster(4, {0, 1, 1, 2}, {{0, 1, 0.9f}}, true, NoProgress(), lc);
    EXPECT_EQ(c.entity_of, (std::vector<uint32_t>{0, 0, 0, 1}));
    EXPECT_EQ(c.must_links, 1u);
    Clustering none = Cluster(4, {0, 1, 1, 2}, {{0, 1, 0.9f}}, true, NoProgress());
    EXPECT_EQ(none.entity_of, (std::vector<uint32_t>{0, 0, 1, 2}));
    EXPECT_EQ(none.must_links, 0u);
    // A must-linked group still refuses an edge that one_per_source forbids.
    Clustering refused = Cluster(4, {0, 1, 0, 2}, {{0, 1, 0.9f}}, true, NoProgress(), lc);
    EXPECT_EQ(refused.entity_of, (std::vector<uint32_t>{0, 1, 1, 2}));
    EXPECT_EQ(refused.cut, 1u);
}

TEST(ResolveConstraints, CannotLinkCutsTheWeakestLink) {
    // A chain 0 -0.9- 1 -0.6- 2 -0.8- 3 with cannot(0, 3): the 0.6 link goes.
    LinkConstraints lc;
    lc.cannot_link.push_back({3, 0});
    std::vector<Edge> edges = {{0, 1, 0.9f}, {1, 2, 0.6f}, {2, 3, 0.8f}};
    Clustering c = Cluster(4, {0, 1, 2, 3}, edges, false, NoProgress(), lc);
    EXPECT_EQ(c.entity_of, (std::vector<uint32_t>{0, 0, 1, 1}));
    EXPECT_EQ(c.kept, (std::vector<uint8_t>{1, 0, 1}));
    EXPECT_EQ(c.cannot_link_cuts, 1u);
    EXPECT_EQ(c.cut, 1u);
    // Without the constraint, one entity.
    Clustering free = Cluster(4, {0, 1, 2, 3}, edges, false, NoProgress());
    EXPECT_EQ(free.entities, 1u);
    // A direct edge between the two records is refused too.
    Clustering direct =
        Cluster(2, {0, 1}, {{0, 1, 0.99f}}, true, NoProgress(), lc = {{}, {{0, 1}}});
    EXPECT_EQ(direct.entities, 2u);
    EXPECT_EQ(direct.cannot_link_cuts, 1u);
}

TEST(ResolveConstraints, CannotLinkFollowsMergedComponents) {
    // cannot(0, 4); 0-1 and 3-4 merge first, then 1-3 would join 0 with 4: cut; 2 joins 1.
    LinkConstraints lc;
    lc.cannot_link.push_back({0, 4});
    std::vector<Edge> edges = {{0, 1, 0.95f}, {3, 4, 0.94f}, {1, 3, 0.7f}, {1, 2, 0.6f}};
    Clustering c = Cluster(5, {0, 1, 2, 3, 4}, edges, false, NoProgress(), lc);
    EXPECT_EQ(c.entity_of, (std::vector<uint32_t>{0, 0, 0, 1, 1}));
    EXPECT_EQ(c.cannot_link_cuts, 1u);
}

TEST(ResolveConstraints, CannotLinkInsideAMustLinkedGroupIsAConflict) {
    LinkConstraints lc;
    lc.must_link = {{0, 1}, {1, 2}};
    lc.cannot_link = {{0, 2}};
    Clustering c = Cluster(3, {0, 1, 2}, {}, true, NoProgress(), lc);
    EXPECT_EQ(c.entities, 1u);
    EXPECT_EQ(c.conflicts, 1u);
    EXPECT_EQ(c.must_links, 2u);
}

TEST(ResolveConstraints, ReclusteringOneComponentGivesTheFullResult) {
    // Two components; the entities of component {4..8} from its own edges equal the full
    // run's restricted to it (the basis of incremental re-clustering).
    std::vector<uint32_t> source = {0, 1, 2, 0, 0, 1, 0, 2, 1};
    std::vector<Edge> all = {{0, 1, 0.9f}, {1, 2, 0.8f},  {4, 5, 0.97f}, {5, 6, 0.7f},
                             {6, 7, 0.9f}, {7, 8, 0.85f}, {4, 8, 0.6f},  {2, 3, 0.75f}};
    Clustering full = Cluster(9, source, all, true, NoProgress());
    std::vector<uint32_t> members = {4, 5, 6, 7, 8};
    std::vector<uint32_t> local_source;
    for (uint32_t r : members) local_source.push_back(source[r]);
    std::vector<Edge> local;
    for (const Edge& e : all)
        if (e.a >= 4) local.push_back({e.a - 4, e.b - 4, e.probability});
    Clustering part = Cluster(members.size(), local_source, local, true, NoProgress());
    for (size_t i = 0; i < members.size(); ++i)
        for (size_t j = 0; j < members.size(); ++j)
            EXPECT_EQ(full.entity_of[members[i]] == full.entity_of[members[j]],
                      part.entity_of[i] == part.entity_of[j])
                << members[i] << " " << members[j];
    EXPECT_GE(part.cut, 1u);  // 4 and 6 share source 0: one link between them goes
}

TEST(ResolveModelState, RoundTripsExactly) {
    Model m;
    m.prior = 0.0123456789012345678;
    m.iterations = 7;
    m.converged = true;
    m.local_field = 1;
    m.fields.resize(2);
    m.fields[0].m = {0.9, 0.07, 0.03};
    m.fields[0].u = {1e-5, 0.01, 0.98999};
    m.fields[0].u_exact_random = 3.3e-6;
    m.fields[1].m = {0.8, 0.2};
    m.fields[1].u = {0.1, 0.9};
    m.fields[1].u_local = {0.4, 0.6};
    m.fields[1].fixed_u = true;
    Model back = ParseModel(SerializeModel(m), {3, 2});
    EXPECT_EQ(back.prior, m.prior);
    EXPECT_EQ(back.iterations, 7);
    EXPECT_TRUE(back.converged);
    EXPECT_EQ(back.local_field, 1);
    EXPECT_EQ(back.fields[0].m, m.fields[0].m);
    EXPECT_EQ(back.fields[0].u, m.fields[0].u);
    EXPECT_EQ(back.fields[0].u_exact_random, m.fields[0].u_exact_random);
    EXPECT_TRUE(back.fields[0].u_local.empty());
    EXPECT_EQ(back.fields[1].u_local, m.fields[1].u_local);
    EXPECT_TRUE(back.fields[1].fixed_u);
    EXPECT_THROW(ParseModel(SerializeModel(m), {3, 2, 4}), InvalidArgument);
    EXPECT_THROW(ParseModel(SerializeModel(m), {3, 3}), InvalidArgument);
    EXPECT_THROW(ParseModel("not a model", {3, 2}), InvalidArgument);
}

// Night is one state of the generated sources: records in reading order.
using Night = std::vector<synthetic::Record>;

// Load builds the RecordSet of a night.
std::unique_ptr<RecordSet> Load(const ResolverConfig& config, const Night& night) {
    auto set = std::make_unique<RecordSet>(config);
    for (const auto& r : night) set->Add(r.source, r.key, r.values);
    return set;
}

// PreviousFrom maps a run's result onto today's records, as the glue does from the tables.
PreviousRun PreviousFrom(const RecordSet& then, const ResolveResult& result, const RecordSet& now) {
    PreviousRun p;
    p.fingerprint.assign(now.size(), kNewRecord);
    p.entity.assign(now.size(), -1);
    p.entity_size.assign(result.entities + 1, 0);
    RecordIndex index(now);
    std::vector<int64_t> to_now(then.size());
    for (uint32_t r = 0; r < then.size(); ++r) {
        const int64_t id = static_cast<int64_t>(result.entity_of[r]) + 1;
        ++p.entity_size[static_cast<size_t>(id)];
        to_now[r] = index.Find(then.Source(r), then.Key(r));
        if (to_now[r] < 0) {
            ++p.deleted;
            continue;
        }
        p.fingerprint[static_cast<size_t>(to_now[r])] = result.fingerprint[r];
        p.entity[static_cast<size_t>(to_now[r])] = id;
    }
    for (size_t i = 0; i < result.pairs.size(); ++i) {
        const int64_t a = to_now[result.pairs[i].a], b = to_now[result.pairs[i].b];
        if (a < 0 || b < 0) continue;
        ScoredPair sp = result.pairs[i];
        sp.a = static_cast<uint32_t>(a);
        sp.b = static_cast<uint32_t>(b);
        p.pairs.push_back(sp);
        for (size_t f = 0; f < result.field_count; ++f)
            p.pair_levels.push_back(result.PairLevel(i, f));
    }
    return p;
}

class ResolveIncremental : public ::testing::Test {
  protected:
    // SetUp resolves night 1 (all generated records but 30 held back) in full.
    void SetUp() override {
        Night all = synthetic::Generate(3000, 8, 0.5, 23);
        held_.assign(all.end() - 30, all.end());
        night1_.assign(all.begin(), all.end() - 30);
        config_ = ResolverConfig::FromJson(synthetic::kConfig);
        set1_ = Load(config_, night1_);
        full1_ = Resolve(config_, *set1_);
    }
    // Night2 deletes every 100th record, changes the name of every 97th, adds the held ones.
    Night Night2() const {
        Night out;
        synthetic::Rng rng{5};
        for (size_t i = 0; i < night1_.size(); ++i) {
            if (i % 100 == 7) continue;
            synthetic::Record r = night1_[i];
            if (i % 97 == 3 && r.values[0]) r.values[0] = synthetic::Typo(rng, *r.values[0]) + " x";
            out.push_back(std::move(r));
        }
        out.insert(out.end(), held_.begin(), held_.end());
        return out;
    }
    Night night1_, held_;
    ResolverConfig config_;
    std::unique_ptr<RecordSet> set1_;
    ResolveResult full1_;
};

TEST_F(ResolveIncremental, NothingChangedGivesTheSameResult) {
    PreviousRun prev = PreviousFrom(*set1_, full1_, *set1_);
    ResolveOptions options;
    options.frozen_model = full1_.model_state;
    options.previous = &prev;
    ResolveResult inc = Resolve(config_, *set1_, NoProgress(), options);
    EXPECT_TRUE(inc.incremental);
    EXPECT_EQ(inc.new_records + inc.changed_records + inc.deleted_records, 0u);
    EXPECT_EQ(inc.candidate_pairs, 0u);  // nothing compared
    EXPECT_EQ(inc.entity_of, full1_.entity_of);
    EXPECT_EQ(inc.entities_changed, 0u);
    ASSERT_EQ(inc.pairs.size(), full1_.pairs.size());
    for (size_t i = 0; i < inc.pairs.size(); ++i) {
        EXPECT_EQ(inc.pairs[i].probability, full1_.pairs[i].probability);
        EXPECT_EQ(inc.pairs[i].status, full1_.pairs[i].status);
    }
}

TEST_F(ResolveIncremental, EqualsAFullRunWithTheFrozenModel) {
    Night night2 = Night2();
    auto set2 = Load(config_, night2);
    PreviousRun prev = PreviousFrom(*set1_, full1_, *set2);
    ResolveOptions options;
    options.frozen_model = full1_.model_state;
    options.previous = &prev;
    ResolveResult inc = Resolve(config_, *set2, NoProgress(), options);
    EXPECT_EQ(inc.new_records, 30u);
    EXPECT_EQ(inc.deleted_records, (night1_.size() + 92) / 100);  // indexes 7, 107, 207, ...
    EXPECT_GT(inc.changed_records, 20u);
    EXPECT_LT(inc.candidate_pairs, full1_.candidate_pairs / 4) << inc.changed_records;
    EXPECT_GT(inc.kept_pairs, 0u);
    ResolveOptions frozen;
    frozen.frozen_model = full1_.model_state;
    ResolveResult full2 = Resolve(config_, *set2, NoProgress(), frozen);
    EXPECT_TRUE(full2.frozen_model);
    EXPECT_EQ(inc.entity_of, full2.entity_of);  // both number entities by smallest record
    EXPECT_EQ(inc.entities, full2.entities);
    EXPECT_EQ(inc.matches, full2.matches);
    EXPECT_EQ(inc.pairs.size(), full2.pairs.size());
    EXPECT_GT(inc.entities_changed, 0u);
    EXPECT_LT(inc.entities_changed, inc.entities / 5);
    // Without the previous run, an incremental run is refused without a model.
    ResolveOptions no_model;
    no_model.previous = &prev;
    EXPECT_THROW(Resolve(config_, *set2, NoProgress(), no_model), InvalidArgument);
}

TEST_F(ResolveIncremental, ConstraintsHoldInBothModes) {
    // Pick a multi-record entity: forbid two of its records, and must-link two singletons.
    std::vector<uint32_t> first(full1_.entities, UINT32_MAX), second(full1_.entities, UINT32_MAX);
    for (uint32_t r = 0; r < full1_.entity_of.size(); ++r) {
        uint32_t e = full1_.entity_of[r];
        if (first[e] == UINT32_MAX)
            first[e] = r;
        else if (second[e] == UINT32_MAX)
            second[e] = r;
    }
    uint32_t a = 0, b = 0;
    for (uint32_t e = 0; e < full1_.entities; ++e)
        if (second[e] != UINT32_MAX) {
            a = first[e];
            b = second[e];
            break;
        }
    ASSERT_NE(a, b);
    std::vector<uint32_t> singles;
    std::vector<uint32_t> size(full1_.entities, 0);
    for (uint32_t e : full1_.entity_of) ++size[e];
    for (uint32_t r = 0; r < full1_.entity_of.size() && singles.size() < 2; ++r)
        if (size[full1_.entity_of[r]] == 1) singles.push_back(r);
    ASSERT_EQ(singles.size(), 2u);
    ResolveOptions options;
    options.frozen_model = full1_.model_state;
    options.constraints.cannot_link.push_back({a, b});
    options.constraints.must_link.push_back({singles[0], singles[1]});
    ResolveResult full = Resolve(config_, *set1_, NoProgress(), options);
    EXPECT_NE(full.entity_of[a], full.entity_of[b]);
    EXPECT_EQ(full.entity_of[singles[0]], full.entity_of[singles[1]]);
    EXPECT_EQ(full.must_links, 1u);
    EXPECT_GE(full.cannot_link_cuts, 1u);
    PreviousRun prev = PreviousFrom(*set1_, full1_, *set1_);
    options.previous = &prev;
    ResolveResult inc = Resolve(config_, *set1_, NoProgress(), options);
    EXPECT_EQ(inc.entity_of, full.entity_of);
}

TEST(ResolveStableIds, UnchangedEntitiesKeepTheirIdsOthersTakeFreedOnes) {
    // Last run: records 0,1 in entity 7, record 2 in 3, record 3 in 5; record 4 is new.
    PreviousRun prev;
    prev.entity = {7, 7, 3, 5, -1};
    // Today: {0, 1} unchanged; {2, 3} merged (2 comes first: it keeps 3); {4} new.
    const std::vector<int64_t> ids = StableEntityIds({0, 0, 1, 1, 2}, 3, prev);
    // 5 is free now: the new entity takes the smallest free id, 1.
    EXPECT_EQ(ids, (std::vector<int64_t>{7, 3, 1}));
    // Two entities claiming one old id: the first keeps it, the next takes a free one.
    PreviousRun split;
    split.entity = {2, 2};
    EXPECT_EQ(StableEntityIds({0, 1}, 2, split), (std::vector<int64_t>{2, 1}));
}

TEST(ResolveDiffRuns, RewritesOnlyWhatChanged) {
    // Records 0..3; record 2 changed (fingerprint), record 3 is new.
    PreviousRun prev;
    prev.fingerprint = {11, 12, 13, kNewRecord};
    prev.entity = {1, 1, 2, -1};
    ResolveResult now;
    now.fingerprint = {11, 12, 99, 14};
    now.entity_of = {0, 0, 1, 1};
    const std::vector<int64_t> ids = {1, 2};
    auto pair = [](uint32_t a, uint32_t b, float p, PairStatus s) {
        ScoredPair sp;
        sp.a = a;
        sp.b = b;
        sp.probability = p;
        sp.match_weight = p * 10;
        sp.status = s;
        return sp;
    };
    // Stored: 0-1 (same today), 0-2 (touches the changed record), 1-2 stored reversed.
    prev.pairs = {pair(0, 1, 0.9f, PairStatus::kMatch), pair(0, 2, 0.4f, PairStatus::kReview),
                  pair(2, 1, 0.3f, PairStatus::kReview)};
    // Today: 0-1 unchanged, 2-3 new.
    now.pairs = {pair(0, 1, 0.9f, PairStatus::kMatch), pair(2, 3, 0.95f, PairStatus::kMatch)};
    RunChanges c = DiffRuns(now, ids, prev);
    EXPECT_EQ(c.members, (std::vector<uint32_t>{2, 3}));
    EXPECT_EQ(c.pairs, (std::vector<size_t>{1}));
    EXPECT_EQ(c.stale_pairs, (std::vector<size_t>{1, 2}));
    // The same through previous_pair (what Resolve fills: the stored pair each came from).
    now.previous_pair = {0, kNoOrigin};
    c = DiffRuns(now, ids, prev);
    EXPECT_EQ(c.pairs, (std::vector<size_t>{1}));
    EXPECT_EQ(c.stale_pairs, (std::vector<size_t>{1, 2}));
    now.previous_pair = {2, kNoOrigin};  // pointing at another stored pair: its values differ
    EXPECT_EQ(DiffRuns(now, ids, prev).pairs, (std::vector<size_t>{0, 1}));
    now.previous_pair.clear();
    // A weight moved within the tolerance keeps the stored row; beyond it, rewritten.
    now.pairs[0].match_weight += kStoredWeightTolerance / 2;
    EXPECT_EQ(DiffRuns(now, ids, prev).pairs, (std::vector<size_t>{1}));
    now.pairs[0].match_weight += kStoredWeightTolerance;
    EXPECT_EQ(DiffRuns(now, ids, prev).pairs, (std::vector<size_t>{0, 1}));
    now.pairs[0].match_weight = prev.pairs[0].match_weight;
    // The same pair with another status (cut today) is rewritten.
    now.pairs[0].status = PairStatus::kCut;
    c = DiffRuns(now, ids, prev);
    EXPECT_EQ(c.pairs, (std::vector<size_t>{0, 1}));
    EXPECT_EQ(c.stale_pairs, (std::vector<size_t>{0, 1, 2}));
    // A record whose entity id moved is rewritten although unchanged.
    c = DiffRuns(now, {1, 3}, prev);
    EXPECT_EQ(c.members, (std::vector<uint32_t>{2, 3}));
    c = DiffRuns(now, {5, 2}, prev);
    EXPECT_EQ(c.members, (std::vector<uint32_t>{0, 1, 2, 3}));
}

}  // namespace
}  // namespace nightjar::core::resolve

// resolve_quality_test.cpp: Resolve end to end on generated actors with known truth
// (default config, nothing tuned on this data's labels): pairwise F1, the one-per-source
// constraint, stable results on a rerun, and the result's bookkeeping.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>

#include "core/resolve/resolver.hpp"
#include "resolve_synthetic.hpp"

namespace nightjar::core::resolve {
namespace {

// PairwiseF1 returns precision, recall and F1 of predicted entities against the truth.
std::tuple<double, double, double> PairwiseF1(const std::vector<synthetic::Record>& recs,
                                              const std::vector<uint32_t>& entity_of) {
    std::map<std::pair<uint32_t, uint32_t>, double> both;
    std::map<uint32_t, double> pred, truth;
    for (size_t i = 0; i < recs.size(); ++i) {
        ++both[{entity_of[i], recs[i].entity}];
        ++pred[entity_of[i]];
        ++truth[recs[i].entity];
    }
    auto pairs = [](double n) { return n * (n - 1) / 2; };
    double tp = 0, pp = 0, tt = 0;
    for (auto& [k, c] : both) tp += pairs(c);
    for (auto& [k, c] : pred) pp += pairs(c);
    for (auto& [k, c] : truth) tt += pairs(c);
    double p = tp / pp, r = tp / tt;
    return {p, r, 2 * p * r / (p + r)};
}

class ResolveQuality : public ::testing::Test {
  protected:
    // SetUp generates ~6,000 records of ~1,200 actors over 10 sources and resolves them.
    void SetUp() override {
        recs_ = synthetic::Generate(6000, 10, 0.5, 11);
        config_ = ResolverConfig::FromJson(synthetic::kConfig);
        records_ = std::make_unique<RecordSet>(config_);
        for (const auto& r : recs_) records_->Add(r.source, r.key, r.values);
        result_ = Resolve(config_, *records_);
    }
    std::vector<synthetic::Record> recs_;
    ResolverConfig config_;
    std::unique_ptr<RecordSet> records_;
    ResolveResult result_;
};

TEST_F(ResolveQuality, PairwiseF1OnGeneratedActors) {
    auto [precision, recall, f1] = PairwiseF1(recs_, result_.entity_of);
    EXPECT_GT(precision, 0.97);
    EXPECT_GT(recall, 0.95);
    EXPECT_GT(f1, 0.97);
}

TEST_F(ResolveQuality, OneRecordPerSourceAndPerEntity) {
    std::set<std::pair<uint32_t, uint32_t>> seen;  // (entity, source)
    for (size_t r = 0; r < recs_.size(); ++r)
        EXPECT_TRUE(seen.insert({result_.entity_of[r], recs_[r].source}).second) << "record " << r;
}

TEST_F(ResolveQuality, BookkeepingAddsUp) {
    EXPECT_EQ(result_.records, recs_.size());
    EXPECT_EQ(result_.entity_of.size(), recs_.size());
    EXPECT_EQ(result_.pair_levels.size(), result_.pairs.size() * 5);
    size_t matches = 0, cut = 0, review = 0;
    for (size_t i = 0; i < result_.pairs.size(); ++i) {
        const ScoredPair& p = result_.pairs[i];
        EXPECT_LT(p.a, p.b);
        EXPECT_GE(p.probability, config_.review_threshold);
        if (i) {
            EXPECT_LT(std::make_pair(result_.pairs[i - 1].a, result_.pairs[i - 1].b),
                      std::make_pair(p.a, p.b));
        }
        matches += p.status == PairStatus::kMatch;
        cut += p.status == PairStatus::kCut;
        review += p.status == PairStatus::kReview;
        if (p.status == PairStatus::kMatch) {
            EXPECT_EQ(result_.entity_of[p.a], result_.entity_of[p.b]);
        }
        if (p.status == PairStatus::kReview) {
            EXPECT_LT(p.probability, config_.match_threshold);
        }
    }
    EXPECT_EQ(matches, result_.matches);
    EXPECT_EQ(cut, result_.cut_links);
    EXPECT_EQ(review, result_.review_pairs);
    uint32_t max_entity = 0;
    for (uint32_t e : result_.entity_of) max_entity = std::max(max_entity, e);
    EXPECT_EQ(max_entity + 1, result_.entities);
    std::string summary = result_.SummaryJson();
    EXPECT_NE(summary.find("\"candidate_pairs\":" + std::to_string(result_.candidate_pairs)),
              std::string::npos);
    EXPECT_NE(summary.find("\"model\":{\"prior\":"), std::string::npos);
}

TEST_F(ResolveQuality, RerunGivesTheSamePairsAndEntities) {
    ResolveResult again = Resolve(config_, *records_);
    ASSERT_EQ(again.pairs.size(), result_.pairs.size());
    for (size_t i = 0; i < again.pairs.size(); ++i) {
        EXPECT_EQ(again.pairs[i].a, result_.pairs[i].a);
        EXPECT_EQ(again.pairs[i].b, result_.pairs[i].b);
        EXPECT_EQ(again.pairs[i].probability, result_.pairs[i].probability);
    }
    EXPECT_EQ(again.entity_of, result_.entity_of);
    EXPECT_EQ(again.pair_levels, result_.pair_levels);
}

}  // namespace
}  // namespace nightjar::core::resolve

namespace nightjar::core::resolve {
namespace {

TEST(ResolveQualityDedup, OneSourceWithDuplicates) {
    // The same actors with every record in one source: deduplication (one_per_source false).
    auto recs = synthetic::Generate(4000, 8, 0.5, 5);
    auto config = ResolverConfig::FromJson(
        std::string(synthetic::kConfig)
            .replace(std::string(synthetic::kConfig).find("true"), 4, "false"));
    ASSERT_FALSE(config.one_per_source);
    RecordSet records(config);
    for (const auto& r : recs) records.Add(0, r.key, r.values);
    ResolveResult result = Resolve(config, records);
    auto [precision, recall, f1] = PairwiseF1(recs, result.entity_of);
    EXPECT_GT(f1, 0.95) << "precision " << precision << " recall " << recall;
    EXPECT_EQ(result.cut_links, 0u);
}

TEST(ResolveEdgeCases, EmptySingleAndAllMissing) {
    auto config = ResolverConfig::FromJson(synthetic::kConfig);
    RecordSet empty(config);
    ResolveResult r0 = Resolve(config, empty);
    EXPECT_EQ(r0.records, 0u);
    EXPECT_EQ(r0.entities, 0u);
    EXPECT_TRUE(r0.pairs.empty());
    RecordSet one(config);
    one.Add(0, "k",
            std::vector<std::optional<std::string>>{"Boulangerie Dupont", std::nullopt, "75002",
                                                    std::nullopt, std::nullopt});
    ResolveResult r1 = Resolve(config, one);
    EXPECT_EQ(r1.entities, 1u);
    RecordSet missing(config);
    for (uint32_t s = 0; s < 3; ++s)
        missing.Add(s, "k", std::vector<std::optional<std::string>>(5, std::nullopt));
    ResolveResult r3 = Resolve(config, missing);
    EXPECT_EQ(r3.entities, 3u);
    EXPECT_EQ(r3.candidate_pairs, 0u);
}

}  // namespace
}  // namespace nightjar::core::resolve

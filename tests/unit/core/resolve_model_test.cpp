// resolve_model_test.cpp: EM on comparison patterns drawn from a known model, clustering
// (union-find and the one-per-source constraint) on hand cases, blocking deduplication,
// and the progress/cancel hook of Resolve.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>

#include "core/resolve/blocking.hpp"
#include "core/resolve/cluster.hpp"
#include "core/resolve/resolver.hpp"
#include "core/resolve/scoring.hpp"

namespace nightjar::core::resolve {
namespace {

// Draw returns a level index drawn from probabilities p.
int Draw(std::mt19937_64& rng, const std::vector<double>& p) {
    double x = std::uniform_real_distribution<double>(0, 1)(rng), acc = 0;
    for (size_t l = 0; l < p.size(); ++l) {
        acc += p[l];
        if (x < acc) return static_cast<int>(l);
    }
    return static_cast<int>(p.size()) - 1;
}

// KnownCase draws 200,000 pairs from a 3-field model with prior 0.2 (10% nulls in field 2).
std::vector<int8_t> KnownCase(const std::vector<std::vector<double>>& m,
                              const std::vector<std::vector<double>>& u) {
    std::mt19937_64 rng(7);
    std::vector<int8_t> gamma;
    for (int i = 0; i < 200000; ++i) {
        bool match = std::uniform_real_distribution<double>(0, 1)(rng) < 0.2;
        for (size_t f = 0; f < m.size(); ++f) {
            if (f == 2 && std::uniform_real_distribution<double>(0, 1)(rng) < 0.1) {
                gamma.push_back(kNullLevel);
                continue;
            }
            gamma.push_back(static_cast<int8_t>(Draw(rng, match ? m[f] : u[f])));
        }
    }
    return gamma;
}

const std::vector<std::vector<double>> kM = {{0.8, 0.15, 0.05}, {0.7, 0.2, 0.1}, {0.9, 0.1}};
const std::vector<std::vector<double>> kU = {{0.05, 0.15, 0.8}, {0.1, 0.2, 0.7}, {0.2, 0.8}};

TEST(ResolveEm, RecoversMWithUFixed) {
    Patterns p = GroupPatterns(KnownCase(kM, kU), 3);
    EXPECT_LE(p.size(), 3u * 3 * 3);
    Model model;
    model.fields.resize(3);
    for (size_t f = 0; f < 3; ++f) model.fields[f].u = kU[f];
    EstimateM(p, {3, 3, 2}, 200, false, model);
    EXPECT_NEAR(model.prior, 0.2, 0.01);
    for (size_t f = 0; f < 3; ++f)
        for (size_t l = 0; l < kM[f].size(); ++l)
            EXPECT_NEAR(model.fields[f].m[l], kM[f][l], 0.02) << "field " << f << " level " << l;
}

TEST(ResolveEm, RecoversMAndUFromARoughStart) {
    Patterns p = GroupPatterns(KnownCase(kM, kU), 3);
    Model model;
    model.fields.resize(3);
    model.fields[0].u = {0.2, 0.3, 0.5};  // a poor start, as random pairs give
    model.fields[1].u = {0.2, 0.3, 0.5};
    model.fields[2].u = {0.4, 0.6};
    EstimateM(p, {3, 3, 2}, 500, true, model);
    EXPECT_NEAR(model.prior, 0.2, 0.02);
    for (size_t f = 0; f < 3; ++f)
        for (size_t l = 0; l < kM[f].size(); ++l) {
            EXPECT_NEAR(model.fields[f].m[l], kM[f][l], 0.03) << "field " << f << " level " << l;
            EXPECT_NEAR(model.fields[f].u[l], kU[f][l], 0.03) << "field " << f << " level " << l;
        }
}

TEST(ResolveCluster, ConnectedComponents) {
    std::vector<Edge> edges{{0, 1, 0.9f}, {1, 2, 0.8f}, {3, 4, 0.7f}};
    Clustering c = Cluster(6, {0, 1, 2, 3, 4, 5}, edges, false, NoProgress());
    EXPECT_EQ(c.entity_of, (std::vector<uint32_t>{0, 0, 0, 1, 1, 2}));
    EXPECT_EQ(c.entities, 3u);
    EXPECT_EQ(c.cut, 0u);
    // Without the constraint, records of one source merge.
    Clustering same = Cluster(3, {0, 0, 0}, edges, false, NoProgress());
    EXPECT_EQ(same.entities, 1u);
}

TEST(ResolveCluster, OnePerSourceCutsTheWeakestLink) {
    // Records 0 and 2 come from source 0; the chain 0-1 (0.9), 1-2 (0.8) must break at 0.8.
    Clustering c = Cluster(3, {0, 1, 0}, {{0, 1, 0.9f}, {1, 2, 0.8f}}, true, NoProgress());
    EXPECT_EQ(c.entity_of, (std::vector<uint32_t>{0, 0, 1}));
    EXPECT_EQ(c.kept, (std::vector<uint8_t>{1, 0}));
    EXPECT_EQ(c.cut, 1u);
    // Sources A B A C as records 0..3: 1-2 (0.95) and 2-3 (0.9) merge {1,2,3}; 0-3 (0.7) and
    // 0-1 (0.6) would add a second record of source A: both cut, 0 stays alone.
    std::vector<Edge> edges{{0, 1, 0.6f}, {1, 2, 0.95f}, {2, 3, 0.9f}, {0, 3, 0.7f}};
    Clustering d = Cluster(4, {0, 1, 0, 2}, edges, true, NoProgress());
    EXPECT_EQ(d.entity_of, (std::vector<uint32_t>{0, 1, 1, 1}));
    EXPECT_EQ(d.kept, (std::vector<uint8_t>{0, 1, 1, 0}));
    EXPECT_EQ(d.cut, 2u);
    // An edge inside an already formed entity is kept, not cut.
    Clustering e =
        Cluster(3, {0, 1, 2}, {{0, 1, 0.9f}, {1, 2, 0.8f}, {0, 2, 0.7f}}, true, NoProgress());
    EXPECT_EQ(e.cut, 0u);
    EXPECT_EQ(e.entities, 1u);
}

TEST(ResolveCluster, EdgeOrderDoesNotDependOnTheInputOrder) {
    // Edges sorted by (a, b) take the radix path; the same edges shuffled take the
    // comparison sort. Many ties (8 probabilities) make the tie-break by (a, b) matter under
    // one_per_source. Both must cut the same edges and give the same entities.
    std::mt19937_64 rng(11);
    const size_t n = 400;
    std::vector<uint32_t> source(n);
    for (size_t r = 0; r < n; ++r) source[r] = static_cast<uint32_t>(rng() % 5);
    std::vector<Edge> sorted;
    for (uint32_t a = 0; a < n; ++a)
        for (uint32_t b = a + 1; b < n; ++b)
            if (rng() % 60 == 0)
                sorted.push_back({a, b, 0.5f + 0.0625f * static_cast<float>(rng() % 8)});
    std::vector<Edge> shuffled = sorted;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const Clustering x = Cluster(n, source, sorted, true, NoProgress());
    const Clustering y = Cluster(n, source, shuffled, true, NoProgress());
    EXPECT_EQ(x.entity_of, y.entity_of);
    EXPECT_EQ(x.cut, y.cut);
    EXPECT_GT(x.cut, 0u);
    // The same edges kept: look each shuffled edge up among the sorted ones.
    for (size_t i = 0; i < shuffled.size(); ++i) {
        const Edge& e = shuffled[i];
        auto it =
            std::lower_bound(sorted.begin(), sorted.end(), e, [](const Edge& p, const Edge& q) {
                return std::make_pair(p.a, p.b) < std::make_pair(q.a, q.b);
            });
        ASSERT_TRUE(it != sorted.end() && it->a == e.a && it->b == e.b);
        EXPECT_EQ(x.kept[static_cast<size_t>(it - sorted.begin())], y.kept[i]);
    }
}

TEST(ResolveBlocking, SortUniqueMatchesStdSort) {
    std::mt19937_64 rng(3);
    std::vector<uint64_t> v;
    for (int i = 0; i < 100000; ++i) v.push_back(rng() % 5000 * 0x100000001ULL);
    std::vector<uint64_t> expected = v;
    std::sort(expected.begin(), expected.end());
    expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
    SortUnique(v);
    EXPECT_EQ(v, expected);
}

TEST(ResolveBlocking, PairsAreDistinctAndCrossSource) {
    // Three records share two keys (postcode and phonetic); each pair must appear once, and
    // the two records of source 0 never pair.
    auto config = ResolverConfig::FromJson(R"({"fields":[{"name":"n","kind":"name"},
        {"name":"pc","kind":"code"}], "blocking": [["pc"], ["n:phonetic"]]})");
    RecordSet records(config);
    using V = std::vector<std::optional<std::string>>;
    records.Add(0, "a", V{"Dupont", "75002"});
    records.Add(1, "b", V{"Dupond", "75002"});
    records.Add(0, "c", V{"Dupont", "75002"});
    records.Add(2, "d", V{"Martin", "69001"});
    BlockingStats stats;
    auto pairs =
        CandidatePairs(records.Data(), config, ExplicitFamilies(config), stats, NoProgress());
    EXPECT_EQ(pairs, (std::vector<uint64_t>{(0ULL << 32) | 1, (1ULL << 32) | 2}));
    EXPECT_EQ(stats.blocks, 2u);  // 75002 and the phonetic key of Dupont
    config.one_per_source = false;
    pairs = CandidatePairs(records.Data(), config, ExplicitFamilies(config), stats, NoProgress());
    EXPECT_EQ(pairs.size(), 3u);
}

TEST(ResolveBlocking, OversizeBlocksUseAWindowAndUnselectiveKeysAreDropped) {
    auto config = ResolverConfig::FromJson(R"({"fields":[{"name":"n","kind":"name"},
        {"name":"g","kind":"exact"}], "blocking": [["n:tokens"], ["g"]],
        "max_block_size": 10, "window": 2, "one_per_source": false})");
    RecordSet records(config);
    using V = std::vector<std::optional<std::string>>;
    // 30 records "boulangerie <x>": the token block has 30 > 10 records -> window of 2.
    for (int i = 0; i < 30; ++i)
        records.Add(0, std::to_string(i), V{"boulangerie n" + std::to_string(100 + i), "x"});
    BlockingStats stats;
    auto pairs =
        CandidatePairs(records.Data(), config, ExplicitFamilies(config), stats, NoProgress());
    // The "g" rule puts all 30 records in one oversize block: dropped. The token rule: the
    // "boulangerie" block is windowed (29 + 28 pairs), each other token is its own record.
    EXPECT_EQ(stats.dropped_families, (std::vector<std::string>{"g:value"}));
    EXPECT_EQ(stats.oversize_blocks, 1u);
    EXPECT_EQ(pairs.size(), 29u + 28u);
}

// Counting counts progress reports and throws after `limit` of them.
struct Counting : Progress {
    int calls = 0, limit = -1;
    void Report(int64_t, int64_t) override {
        if (++calls == limit) throw std::runtime_error("cancelled");
    }
};

TEST(ResolveProgress, ReportsAndStopsWhenCancelled) {
    auto config = ResolverConfig::FromJson(R"({"fields":[{"name":"n","kind":"name"}],
        "u_sample_pairs": 100000, "one_per_source": false})");
    RecordSet records(config);
    for (int i = 0; i < 3000; ++i)
        records.Add(0, std::to_string(i),
                    std::vector<std::optional<std::string>>{"name " + std::to_string(i % 700)});
    Counting counting;
    ResolveResult r = Resolve(config, records, counting);
    EXPECT_GT(counting.calls, 3);
    Counting cancel;
    cancel.limit = 2;
    EXPECT_THROW(Resolve(config, records, cancel), std::runtime_error);
    config.threads = 1;
    Counting cancel1;
    cancel1.limit = 2;
    EXPECT_THROW(Resolve(config, records, cancel1), std::runtime_error);
}

}  // namespace
}  // namespace nightjar::core::resolve

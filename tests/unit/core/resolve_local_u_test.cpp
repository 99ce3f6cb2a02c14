// resolve_local_u_test.cpp: u conditioned on locality (EstimateLocalU) on hand-built
// records whose names repeat within a postcode but not across postcodes.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/resolve/compare.hpp"
#include "core/resolve/record_data.hpp"
#include "core/resolve/record_set.hpp"
#include "core/resolve/scoring.hpp"

namespace nightjar::core::resolve {
namespace {

// TownConfig has a name, a postcode and an identifier (levels 6, 4 and 5).
const char* kTownConfig = R"({"fields":[{"name":"name","kind":"name"},
    {"name":"postcode","kind":"code"},{"name":"siret","kind":"identifier"}],
    "one_per_source": false})";

// TownRecords builds 10 postcodes of 20 records: within a postcode every record has the
// same name ("cafe de town<g>") and all identifiers differ, so no two records match.
RecordSet TownRecords(const ResolverConfig& config) {
    RecordSet records(config);
    std::mt19937_64 rng(3);
    for (int i = 0; i < 200; ++i) {
        int g = i / 20;
        std::string siret;
        for (int k = 0; k < 14; ++k) siret += static_cast<char>('0' + rng() % 10);
        records.Add(
            0, std::to_string(i),
            std::vector<std::optional<std::string>>{"cafe de town" + std::string(1, 'a' + g),
                                                    std::to_string(75001 + g), siret});
    }
    return records;
}

// TownModel sets m: exact name and postcode likely among matches, differing identifiers not.
Model TownModel() {
    Model model;
    model.fields.resize(3);
    model.fields[0].m = {0.8, 0.1, 0.05, 0.02, 0.02, 0.01};
    model.fields[1].m = {0.95, 0.03, 0.01, 0.01};
    model.fields[2].m = {0.9, 0.01, 0.05, 0.03, 0.01};
    for (auto& f : model.fields) f.u.assign(f.m.size(), 1.0 / static_cast<double>(f.m.size()));
    return model;
}

TEST(ResolveLocalU, SameNameWithinAPostcodeIsNotEvidence) {
    auto config = ResolverConfig::FromJson(kTownConfig);
    RecordSet records = TownRecords(config);
    const RecordData& d = records.Data();
    Comparer comparer(d);
    Model model = TownModel();
    EstimateLocalU(d, comparer, false, 20000, 1, 2, 50, model);
    ASSERT_EQ(model.local_field, 1);
    EXPECT_TRUE(model.fields[1].u_local.empty());  // the locality keeps its global u
    ASSERT_EQ(model.fields[0].u_local.size(), 6u);
    // Every same-postcode pair has the same name and, the identifiers all differing, is a
    // non-match: u_local(name exact) is 1 but for the 1,000 pseudo-pairs at the global u
    // (1/6 a level here) among the 20,000 sampled.
    EXPECT_NEAR(model.fields[0].u_local[0], (20000 + 1000.0 / 6) / 21000, 1e-3);
    EXPECT_NEAR(model.fields[2].u_local[4], (20000 + 1000.0 / 5) / 21000, 1e-3);
    // Pattern weights use u_local only when the postcode agrees exactly.
    Patterns p;
    p.field_count = 3;
    p.levels = {0, 0, 4, 0, 3, 4};
    p.count = {1, 1};
    model.prior = 0.5;
    auto w = PatternWeights(p, model);
    const auto& f0 = model.fields[0];
    const auto& f1 = model.fields[1];
    const auto& f2 = model.fields[2];
    EXPECT_NEAR(w[0],
                std::log2(f0.m[0] / f0.u_local[0]) + std::log2(f1.m[0] / f1.u[0]) +
                    std::log2(f2.m[4] / f2.u_local[4]),
                1e-9);
    EXPECT_NEAR(
        w[1],
        std::log2(f0.m[0] / f0.u[0]) + std::log2(f1.m[3] / f1.u[3]) + std::log2(f2.m[4] / f2.u[4]),
        1e-9);
}

TEST(ResolveLocalU, ACodeThatIdentifiesTheActorKeepsTheGlobalU) {
    // Each code value is held by the two records of one actor (same name and identifier):
    // all same-code pairs match, EM gives them to the matches and u_local stays near u.
    auto config = ResolverConfig::FromJson(kTownConfig);
    RecordSet records(config);
    for (int i = 0; i < 400; ++i) {
        int actor = i / 2;
        records.Add(
            0, std::to_string(i),
            std::vector<std::optional<std::string>>{
                "shop " + std::to_string(actor * 7919 % 100003), std::to_string(10000 + actor),
                std::to_string(40000000000000LL + actor * 1234567LL)});
    }
    Comparer comparer(records.Data());
    Model model = TownModel();  // with realistic u, and identifiers without checksum
    model.fields[0].u = {0.001, 0.002, 0.002, 0.005, 0.09, 0.9};
    model.fields[2].m = {0.5, 0.4, 0.05, 0.03, 0.02};
    model.fields[2].u = {1e-4, 1e-4, 1e-4, 1e-4, 0.9996};
    EstimateLocalU(records.Data(), comparer, false, 20000, 1, 2, 50, model);
    ASSERT_EQ(model.local_field, 1);
    for (size_t f : {size_t{0}, size_t{2}})
        for (size_t l = 0; l < model.fields[f].u.size(); ++l)
            EXPECT_NEAR(model.fields[f].u_local[l], model.fields[f].u[l], 0.02)
                << "field " << f << " level " << l;
}

TEST(ResolveLocalU, NoCodeFieldLeavesTheModelAlone) {
    auto config = ResolverConfig::FromJson(R"({"fields":[{"name":"name","kind":"name"}],
        "one_per_source": false})");
    RecordSet records(config);
    for (int i = 0; i < 50; ++i)
        records.Add(0, std::to_string(i),
                    std::vector<std::optional<std::string>>{"name " + std::to_string(i % 5)});
    Comparer comparer(records.Data());
    Model model;
    model.fields.resize(1);
    model.fields[0].m = {0.8, 0.1, 0.05, 0.02, 0.02, 0.01};
    model.fields[0].u = {0.01, 0.02, 0.02, 0.05, 0.1, 0.8};
    EstimateLocalU(records.Data(), comparer, false, 1000, 1, 1, 50, model);
    EXPECT_EQ(model.local_field, -1);
    EXPECT_TRUE(model.fields[0].u_local.empty());
}

}  // namespace
}  // namespace nightjar::core::resolve

// resolve_blocking_default_test.cpp: the default blocking families pair two records of one
// actor whose postcodes differ and whose names differ in a rare word, through the name's
// first word and the address's number and street.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/resolve/blocking.hpp"
#include "core/resolve/record_set.hpp"

namespace nightjar::core::resolve {
namespace {

TEST(ResolveBlockingDefaults, NameFirstWordWithNumberStreetIgnoresThePostcode) {
    auto config = ResolverConfig::FromJson(R"({"fields":[{"name":"name","kind":"name"},
        {"name":"address","kind":"address"},{"name":"postcode","kind":"code"}],
        "one_per_source": true})");
    RecordSet records(config);
    using V = std::vector<std::optional<std::string>>;
    records.Add(0, "a", V{"Coiffure Baron - Taleux-sur-Mer", "68 impasse des Ecoles", "35562"});
    records.Add(1, "b", V{"COIFFURE BARON", "68 IMPASSE DES ÉCOLES", "35560"});
    records.Add(2, "c", V{"Coiffure Martin", "12 rue de la Gare", "35560"});
    auto families = DefaultFamilies(config);
    bool found = false;
    for (const auto& k : families) found |= k.name == "name:first_phonetic+address:number_street";
    EXPECT_TRUE(found);
    BlockingStats stats;
    auto pairs = CandidatePairs(records.Data(), config, families, stats, NoProgress());
    EXPECT_NE(std::find(pairs.begin(), pairs.end(), (0ULL << 32) | 1), pairs.end());
}

}  // namespace
}  // namespace nightjar::core::resolve

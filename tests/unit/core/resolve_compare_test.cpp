// resolve_compare_test.cpp: the comparison levels of every field kind on hand-made pairs,
// missing values (null level), and the record store's normalisation and interning.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/resolve/compare.hpp"
#include "core/resolve/record_data.hpp"
#include "core/resolve/resolver.hpp"

namespace nightjar::core::resolve {
namespace {

// Level compares a and b as values of one field of `kind` (with `extra` JSON keys).
int Level(const char* kind, std::optional<std::string> a, std::optional<std::string> b,
          const std::string& extra = "") {
    auto config = ResolverConfig::FromJson(std::string("{\"fields\":[{\"name\":\"f\",\"kind\":\"") +
                                           kind + "\"" + extra + "}]}");
    RecordSet records(config);
    records.Add(0, "a", std::vector<std::optional<std::string>>{a});
    records.Add(1, "b", std::vector<std::optional<std::string>>{b});
    Comparer comparer(records.Data());
    int8_t level = 0;
    comparer.Compare(0, 1, &level);
    return level;
}

TEST(ResolveCompare, Name) {
    EXPECT_EQ(Level("name", "Boulangerie Dupont", "BOULANGERIE DUPONT SARL"), 0);
    EXPECT_EQ(Level("name", "Dupont Boulangerie", "Boulangerie Dupont"), 0);  // token order
    EXPECT_EQ(Level("name", "Boulangerie Dupont", "Boulangerie Dupond"), 1);  // JW 0.99
    EXPECT_EQ(Level("name", "Dupont", "Boulangerie Dupont"), 2);              // token subset
    EXPECT_EQ(Level("name", "J. Dupont", "Jean Dupont"), 1);  // JW("j dupont","jean dupont")=0.92
    EXPECT_EQ(Level("name", "J. Lefebvre-Dupont", "Lefebvre Dupont Jacques"), 3);  // initials
    EXPECT_EQ(Level("name", "Garage Martin", "Pharmacie Martin"), 4);  // one of two tokens
    EXPECT_EQ(Level("name", "Garage Martin", "Pharmacie Bernard"), 5);
    EXPECT_EQ(Level("name", std::nullopt, "Pharmacie Bernard"), kNullLevel);
    EXPECT_EQ(Level("name", "SARL", "Dupont"), kNullLevel);  // nothing left after normalising
}

TEST(ResolveCompare, Address) {
    EXPECT_EQ(Level("address", "12 bd Saint-Michel", "12 boulevard St Michel"), 0);
    EXPECT_EQ(Level("address", "12 rue de la Paix", "12 rue de la Paiz"), 1);
    EXPECT_EQ(Level("address", "12 rue de la Paix", "rue de la Paix 12 Paris Centre"), 2);
    EXPECT_EQ(Level("address", "12 rue de la Paix", "14 rue de la Paix"), 3);  // other number
    EXPECT_EQ(Level("address", "12 rue Foch", "12 avenue Foch"), 4);           // 2 of 3 tokens
    EXPECT_EQ(Level("address", "12 rue de la Paix", "7 impasse Moliere"), 5);
}

TEST(ResolveCompare, Code) {
    EXPECT_EQ(Level("code", "75002", "75 002"), 0);
    EXPECT_EQ(Level("code", "75002", "75003"), 1);
    EXPECT_EQ(Level("code", "75002", "75020"), 1);
    EXPECT_EQ(Level("code", "75002", "75118"), 2);
    EXPECT_EQ(Level("code", "75002", "69001"), 3);
}

TEST(ResolveCompare, Identifier) {
    // 73282932000074 is a Luhn-valid SIRET (SIREN 732829320); 12345678901234 is not.
    EXPECT_EQ(Level("identifier", "732 829 320 00074", "73282932000074"), 0);
    EXPECT_EQ(Level("identifier", "12345678901234", "12345678901234"), 1);
    EXPECT_EQ(Level("identifier", "73282932000074", "73282932000082"), 2);  // same SIREN
    EXPECT_EQ(Level("identifier", "73282932000074", "732829320"), 2);
    EXPECT_EQ(Level("identifier", "73282932000074", "83282932000074"), 3);  // one edit
    EXPECT_EQ(Level("identifier", "73282932000074", "55208131766522"), 4);
}

TEST(ResolveCompare, ExactDateNumberGeo) {
    EXPECT_EQ(Level("exact", " F ", "f"), 0);
    EXPECT_EQ(Level("exact", "F", "M"), 1);
    EXPECT_EQ(Level("date", "1980-03-12", "12/03/1980"), 0);
    EXPECT_EQ(Level("date", "1980-03-12", "1980-12-03"), 1);  // day and month swapped
    EXPECT_EQ(Level("date", "1980-03-12", "1981-03-12"), 2);
    EXPECT_EQ(Level("date", "1980-03-12", "1980-03-13"), 3);
    EXPECT_EQ(Level("date", "1980-03-12", "not a date"), kNullLevel);
    EXPECT_EQ(Level("number", "100", "100.0"), 0);
    EXPECT_EQ(Level("number", "100", "100,5"), 1);  // 0.5% apart, French decimal comma
    EXPECT_EQ(Level("number", "100", "95"), 2);     // 5%
    EXPECT_EQ(Level("number", "100", "80"), 3);     // 20%
    EXPECT_EQ(Level("number", "100", "50"), 4);
    // Paris, Notre-Dame (48.8530, 2.3499): 0.001 degree of latitude is 111 m.
    EXPECT_EQ(Level("geo", "48.8530,2.3499", "48.8530,2.3499"), 0);
    EXPECT_EQ(Level("geo", "48.8530,2.3499", "48.8531,2.3499"), 0);  // 11 m
    EXPECT_EQ(Level("geo", "48.8530,2.3499", "48.8540,2.3499"), 1);  // 111 m
    EXPECT_EQ(Level("geo", "48.8530,2.3499", "48.8600,2.3499"), 2);  // 778 m
    EXPECT_EQ(Level("geo", "48.8530,2.3499", "48.8830,2.3499"), 3);  // 3.3 km
    EXPECT_EQ(Level("geo", "48.8530,2.3499", "45.7640,4.8357"), 4);  // Lyon
    EXPECT_EQ(Level("geo", "48.8530,2.3499", "91,0"), kNullLevel);
    // Overridden cut-offs: 100 m / 1 km / 10 km / 100 km.
    EXPECT_EQ(Level("geo", "48.8530,2.3499", "48.8600,2.3499", ",\"levels\":[0.1,1,10,100]"), 1);
}

TEST(ResolveCompare, Haversine) {
    // Paris (48.8566, 2.3522) to London (51.5074, -0.1278): 343.5 km (mean radius).
    EXPECT_NEAR(HaversineKm(48.8566, 2.3522, 51.5074, -0.1278), 343.5, 0.5);
    EXPECT_NEAR(HaversineKm(0, 0, 0, 1), 111.195, 0.01);
}

TEST(ResolveCompare, TextCosineUsesIdf) {
    // Four records: "rare" appears once per record pair, "common" everywhere; a pair sharing
    // only "common" scores below a pair sharing the rare word.
    auto config = ResolverConfig::FromJson(R"({"fields":[{"name":"t","kind":"text"}]})");
    RecordSet records(config);
    for (const char* t : {"common alpha", "common alpha", "common beta", "common gamma"})
        records.Add(0, t, std::vector<std::optional<std::string>>{std::string(t)});
    Comparer comparer(records.Data());
    int8_t same = 0, only_common = 0;
    comparer.Compare(0, 1, &same);
    comparer.Compare(2, 3, &only_common);
    EXPECT_EQ(same, 0);
    // idf(common) = ln(4/4) ~ 0: the cosine of "common beta"/"common gamma" is ~0 -> "else".
    EXPECT_EQ(only_common, 5);
}

TEST(ResolveRecordSet, InternsAndNormalises) {
    auto config = ResolverConfig::FromJson(
        R"({"fields":[{"name":"n","kind":"name"},{"name":"g","kind":"geo"}]})");
    RecordSet records(config);
    std::vector<std::optional<std::string_view>> v1{"Café DUPONT", "48.85, 2.35"};
    std::vector<std::optional<std::string_view>> v2{"cafe dupont", std::nullopt};
    EXPECT_EQ(records.Add(3, "k1", v1), 0u);
    EXPECT_EQ(records.Add(4, "k2", v2), 1u);
    EXPECT_EQ(records.size(), 2u);
    EXPECT_EQ(records.Key(1), "k2");
    EXPECT_EQ(records.Source(0), 3u);
    EXPECT_EQ(records.NormalizedValue(0, 0), "cafe dupont");
    EXPECT_EQ(records.NormalizedValue(0, 1), "48.850000,2.350000");
    EXPECT_EQ(records.NormalizedValue(1, 1), "");
    const RecordData& d = records.Data();
    EXPECT_EQ(d.fields[0].values.size(), 1u);  // one distinct value
    EXPECT_EQ(d.fields[0].value_count[0], 2u);
    EXPECT_EQ(d.fields[0].token_df[d.fields[0].tokens.Find("dupont")], 2u);
    EXPECT_GT(records.MemoryBytes(), 0u);
    EXPECT_THROW(records.Add(0, "k3", std::vector<std::optional<std::string_view>>{"x"}),
                 InvalidArgument);
}

TEST(ResolveRecordSet, PostcodeInsideTheAddress) {
    // "<street> 64500 <town>": the street is stored alone and the postcode fills the missing
    // postcode field, but only a field named like a postcode.
    auto config = ResolverConfig::FromJson(R"({"fields":[{"name":"address","kind":"address"},
        {"name":"cp","kind":"code"},{"name":"category","kind":"code"}]})");
    RecordSet records(config);
    using V = std::vector<std::optional<std::string>>;
    records.Add(0, "a",
                V{"74 route Marcel Pagnol 64500 Kerot-le-Château", std::nullopt, std::nullopt});
    records.Add(1, "b", V{"74 rte Marcel Pagnol 64500 Kerot", "64501", std::nullopt});
    EXPECT_EQ(records.NormalizedValue(0, 0), "74 route marcel pagnol");
    EXPECT_EQ(records.NormalizedValue(0, 1), "64500");
    EXPECT_EQ(records.NormalizedValue(0, 2), "");
    EXPECT_EQ(records.NormalizedValue(1, 1), "64501");  // a postcode given is kept
    EXPECT_EQ(records.NormalizedValue(1, 0), "74 route marcel pagnol");
}

}  // namespace
}  // namespace nightjar::core::resolve

// consolidate_survivorship_test.cpp: parent rules, every field rule, exclusions, manual
// corrections, custom decisions, provenance for every field, and config errors that name
// the field — on hand-made entities whose right answers are worked out in the comments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/consolidate/survivorship.hpp"
#include "core/errors.hpp"

namespace nightjar::core::consolidate {
namespace {

// Shops is one shop seen by three sources:
//   0 registry  k1  t=100  name "ACME SARL"  phone null       city "Lyon"   siret "123"
//   1 shops_a   k2  t=300  name "Acme"       phone "0102"     city "Lyon"
//   2 shops_b   k3  t=200  name "Acme Lyon"  phone "0304"     city "LYON"   web "acme.fr"
EntityRecords Shops() {
    EntityRecords e;
    e.entity = 42;
    e.records = {
        {"registry",
         "k1",
         100,
         {{"name", "\"ACME SARL\""},
          {"phone", "null"},
          {"city", "\"Lyon\""},
          {"siret", "\"123\""}}},
        {"shops_a", "k2", 300, {{"name", "\"Acme\""}, {"phone", "\"0102\""}, {"city", "\"Lyon\""}}},
        {"shops_b",
         "k3",
         200,
         {{"name", "\"Acme Lyon\""},
          {"phone", "\"0304\""},
          {"city", "\"LYON\""},
          {"web", "\"acme.fr\""}}},
    };
    return e;
}

// Field returns the choice for `field`, failing the test when it is missing.
const FieldChoice& Field(const GoldenRecord& g, const std::string& field) {
    for (const FieldChoice& c : g.fields) {
        if (c.field == field) return c;
    }
    ADD_FAILURE() << "no golden field " << field;
    static FieldChoice none;
    return none;
}

GoldenRecord Golden(const std::string& config, const EntityRecords& e = Shops()) {
    return ChooseGolden(ParseSurvivorshipConfig(config), e);
}

TEST(Survivorship, ParentMostCompleteByDefault) {
    // Non-empty fields: k1 3 (phone is null), k2 3, k3 4 -> k3.
    const GoldenRecord g = Golden("{}");
    EXPECT_EQ(g.entity, 42);
    EXPECT_EQ(g.parent, 2);
}

TEST(Survivorship, ParentMostCompleteTieGoesToTheMostRecent) {
    EntityRecords e = Shops();
    e.records[2].fields.pop_back();  // k3 without web: 3 fields, like k1 and k2; k2 is newest
    EXPECT_EQ(Golden("{}", e).parent, 1);
}

TEST(Survivorship, ParentPreferredSourceAndMostRecentAndSynthetic) {
    EXPECT_EQ(Golden(R"({"parent": {"rule": "preferred_source", "sources": ["registry"]}})").parent,
              0);
    EXPECT_EQ(Golden(R"({"parent": "most_recent"})").parent, 1);
    EXPECT_EQ(Golden(R"({"parent": "synthetic"})").parent, -1);
}

TEST(Survivorship, DefaultFieldRuleIsFirstNonEmptyInRankingOrder) {
    // Ranking most_complete: k3, then k1/k2 (3 each; k2 more recent) -> k3, k2, k1.
    const GoldenRecord g = Golden("{}");
    EXPECT_EQ(Field(g, "name").value, "\"Acme Lyon\"");
    EXPECT_EQ(Field(g, "name").record, 2);
    EXPECT_EQ(Field(g, "name").rule, "first_non_empty");
    EXPECT_EQ(Field(g, "siret").record, 0);  // only k1 has one
    EXPECT_EQ(Field(g, "web").record, 2);
}

TEST(Survivorship, EveryFieldHasProvenance) {
    const GoldenRecord g = Golden("{}");
    ASSERT_EQ(g.fields.size(), 5u);  // city, name, phone, siret, web
    for (const FieldChoice& c : g.fields) {
        EXPECT_FALSE(c.rule.empty()) << c.field;
        EXPECT_GE(c.record, 0) << c.field;
    }
}

TEST(Survivorship, SourcePriority) {
    const GoldenRecord g = Golden(
        R"({"fields": {"phone": {"rule": "source_priority", "sources": ["registry", "shops_b"]}}})");
    // registry's phone is null: shops_b's is next in the list.
    EXPECT_EQ(Field(g, "phone").value, "\"0304\"");
    EXPECT_EQ(Field(g, "phone").rule, "source_priority");
    // Unlisted sources come after listed ones.
    const GoldenRecord h =
        Golden(R"({"fields": {"phone": {"rule": "source_priority", "sources": ["registry"]}}})");
    EXPECT_EQ(Field(h, "phone").record, 2);  // ranking order among unlisted: k3 before k2
}

TEST(Survivorship, MostRecentLongestMostFrequent) {
    const GoldenRecord g = Golden(
        R"({"fields": {"name": "most_recent", "city": "most_frequent", "siret": "longest",
                        "web": {"rule": "longest"}}})");
    EXPECT_EQ(Field(g, "name").value, "\"Acme\"");  // t=300
    EXPECT_EQ(Field(g, "city").value, "\"Lyon\"");  // twice against once
    EXPECT_EQ(Field(g, "city").record, 1);          // first "Lyon" in ranking order (k2 before k1)
    const GoldenRecord h = Golden(R"({"fields": {"name": "longest"}})");
    EXPECT_EQ(Field(h, "name").value, "\"Acme Lyon\"");  // 9 characters against 9: ranking
    EXPECT_EQ(Field(h, "name").record, 2);
}

TEST(Survivorship, LongestCountsCharactersNotBytes) {
    EntityRecords e;
    e.records = {{"a", "1", 0, {{"name", "\"\xC3\xA9\xC3\xA9\xC3\xA9\""}}},  // "ééé": 3 characters
                 {"b", "2", 0, {{"name", "\"abcd\""}}}};
    EXPECT_EQ(Field(Golden(R"({"fields": {"name": "longest"}})", e), "name").record, 1);
}

TEST(Survivorship, ExcludedSourcesAreNeverUsed) {
    const GoldenRecord g =
        Golden(R"({"fields": {"name": {"rule": "most_recent", "exclude": ["shops_a"]}}})");
    EXPECT_EQ(Field(g, "name").value, "\"Acme Lyon\"");  // shops_a's newer "Acme" is excluded
    const GoldenRecord h =
        Golden(R"({"default": {"rule": "first_non_empty", "exclude": ["shops_b"]}})");
    EXPECT_EQ(Field(h, "web").value, "null");  // only shops_b has it
    EXPECT_EQ(Field(h, "web").record, -1);
}

TEST(Survivorship, ParentRuleTakesTheParentsValueEvenEmpty) {
    const GoldenRecord g = Golden(
        R"({"parent": {"rule": "preferred_source", "sources": ["registry"]}, "default": "parent"})");
    EXPECT_EQ(Field(g, "phone").value, "null");
    EXPECT_EQ(Field(g, "phone").record, 0);
    EXPECT_EQ(Field(g, "web").record, -1);  // registry has no web field
}

TEST(Survivorship, ManualCorrectionWins) {
    EntityRecords e = Shops();
    e.overrides = {{"name", "\"ACME Lyon Part-Dieu\""}};
    const GoldenRecord g = Golden(R"({"fields": {"name": "most_recent"}})", e);
    EXPECT_EQ(Field(g, "name").value, "\"ACME Lyon Part-Dieu\"");
    EXPECT_EQ(Field(g, "name").rule, "manual");
    EXPECT_EQ(Field(g, "name").record, -1);
}

TEST(Survivorship, CustomReturnsTheCandidatesToTheCaller) {
    const GoldenRecord g =
        Golden(R"({"fields": {"phone": {"rule": "custom", "function": "public.pick_phone"}}})");
    const FieldChoice& c = Field(g, "phone");
    EXPECT_EQ(c.rule, "custom");
    EXPECT_EQ(c.function, "public.pick_phone");
    EXPECT_EQ(c.candidates, (std::vector<int64_t>{2, 1}));  // ranking order, null skipped
    EXPECT_EQ(c.record, 2);                                 // the fallback: first candidate
}

TEST(Survivorship, BlankStringsAreEmpty) {
    EXPECT_TRUE(IsEmptyValue("null"));
    EXPECT_TRUE(IsEmptyValue("\"\""));
    EXPECT_TRUE(IsEmptyValue("\"   \""));
    EXPECT_FALSE(IsEmptyValue("\" a \""));
    EXPECT_FALSE(IsEmptyValue("0"));
    EXPECT_FALSE(IsEmptyValue("false"));
}

// ErrorOf returns the InvalidArgument message ParseSurvivorshipConfig throws for `json`.
std::string ErrorOf(const std::string& json) {
    try {
        ParseSurvivorshipConfig(json);
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(SurvivorshipConfig, ErrorsNameTheField) {
    EXPECT_EQ(
        ErrorOf(R"({"fields": {"phone": "mst_recent"}})"),
        "survivorship field \"phone\": unknown rule \"mst_recent\" (expected first_non_empty, "
        "parent, source_priority, most_recent, most_frequent, longest or custom)");
    EXPECT_EQ(ErrorOf(R"({"fields": {"name": {"rule": "source_priority"}}})"),
              "survivorship field \"name\": rule source_priority needs \"sources\" (highest "
              "priority first)");
    EXPECT_EQ(ErrorOf(R"({"fields": {"score": {"rule": "custom"}}})"),
              "survivorship field \"score\": rule custom needs \"function\" (an SQL function "
              "taking jsonb)");
    EXPECT_EQ(ErrorOf(R"({"fields": {"city": {"rule": "longest", "exlude": ["a"]}}})"),
              "survivorship field \"city\": unknown key \"exlude\"");
    EXPECT_EQ(ErrorOf(R"({"fields": {"city": {"rule": "longest", "exclude": "a"}}})"),
              "survivorship field \"city\": \"exclude\" must be an array of source names, not a "
              "string");
    EXPECT_EQ(ErrorOf(R"({"parent": "biggest"})"),
              "survivorship parent: unknown rule \"biggest\" (expected most_complete, "
              "preferred_source, most_recent or synthetic)");
    EXPECT_EQ(ErrorOf(R"({"parent": {"rule": "preferred_source"}})"),
              "survivorship parent: rule preferred_source needs \"sources\" (highest priority "
              "first)");
    EXPECT_EQ(ErrorOf(R"({"default": 3})"),
              "survivorship default: must be a rule name or an object, not a number");
    EXPECT_EQ(ErrorOf(R"({"feilds": {}})"), "survivorship config: unknown key \"feilds\"");
    EXPECT_EQ(ErrorOf("[]"), "survivorship config must be a JSON object, not an array");
    EXPECT_EQ(ErrorOf(R"({"fields": {"a": "longest", "a": "parent"}})"),
              "survivorship field \"a\": is listed twice");
}

}  // namespace
}  // namespace nightjar::core::consolidate

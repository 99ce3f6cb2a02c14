// resolve_config_test.cpp: reading a resolution config — defaults, overrides, and errors
// that name the field or key at fault.
#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "core/resolve/resolver.hpp"

namespace nightjar::core::resolve {
namespace {

// ErrorOf returns the message FromJson throws for `json` ("" when it accepts it).
std::string ErrorOf(const std::string& json) {
    try {
        ResolverConfig::FromJson(json);
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return "";
}

TEST(ResolveConfig, ReadsTheIssueExample) {
    auto c = ResolverConfig::FromJson(R"({
      "inputs": [{"source": "shops_a", "relation": "staging.shops_a", "key": "id"}],
      "fields": [
        {"name": "name", "kind": "name"}, {"name": "address", "kind": "address"},
        {"name": "postcode", "kind": "code"}, {"name": "siret", "kind": "identifier"},
        {"name": "location", "kind": "geo", "lat": "lat", "lon": "lon"}],
      "one_per_source": true})");
    ASSERT_EQ(c.fields.size(), 5u);
    EXPECT_EQ(c.fields[4].kind, FieldKind::kGeo);
    EXPECT_TRUE(c.one_per_source);
    EXPECT_DOUBLE_EQ(c.match_threshold, 0.5);
    EXPECT_TRUE(c.blocking.empty());
    EXPECT_EQ(c.FieldIndex("siret"), 3);
    EXPECT_EQ(LevelNames(c.fields[0]).front(), "exact");
    EXPECT_EQ(LevelNames(c.fields[4]).back(), "else");
}

TEST(ResolveConfig, Overrides) {
    auto c = ResolverConfig::FromJson(R"({"fields": [
        {"name": "n", "kind": "name", "levels": [0.95, 0.85, 0.6], "blocking": false},
        {"name": "pc", "kind": "code", "m": [0.9, 0.05, 0.03, 0.02], "u": [0.01, 0.02, 0.1, 0.87]}],
      "one_per_source": false, "match_threshold": 0.9, "review_threshold": 0.4,
      "blocking": [["pc", "n:phonetic"], "n:prefix3"], "max_block_size": 50})");
    EXPECT_FALSE(c.fields[0].blocking);
    EXPECT_EQ(LevelNames(c.fields[0])[1], "jaro_winkler>=0.95");
    EXPECT_EQ(c.fields[1].m.size(), 4u);
    ASSERT_EQ(c.blocking.size(), 2u);
    EXPECT_EQ(c.blocking[0][1].transform, "phonetic");
    EXPECT_EQ(c.blocking[1][0].transform, "prefix");
    EXPECT_EQ(c.blocking[1][0].length, 3);
    EXPECT_EQ(c.max_block_size, 50u);
    EXPECT_FALSE(c.one_per_source);
}

TEST(ResolveConfig, ErrorsNameTheField) {
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"postcode","kind":"zip"}]})"),
              "field \"postcode\": unknown kind \"zip\" (known: name, text, address, code, "
              "identifier, exact, date, number, geo)");
    EXPECT_EQ(
        ErrorOf(R"({"fields":[{"name":"siret"}]})").rfind("field \"siret\": needs a \"kind\"", 0),
        0u);
    EXPECT_EQ(ErrorOf(R"({"fields":[{"kind":"name"}]})"),
              "fields[0] needs a \"name\" (a non-empty string)");
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name","levls":[1]}]})")
                  .rfind("field \"n\": unknown key \"levls\"", 0),
              0u);
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name","levels":[0.9]}]})"),
              "field \"n\": \"levels\" needs 3 cut-offs, got 1");
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name","levels":[0.5,0.8,0.9]}]})"),
              "field \"n\": \"levels\" must be decreasing");
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"pc","kind":"code","m":[0.5,0.5]}]})"),
              "field \"pc\": \"m\" needs 4 probabilities (one per level), got 2");
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name","lat":"y"}]})"),
              "field \"n\": \"lat\" is only for geo fields");
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name"},{"name":"n","kind":"code"}]})"),
              "field \"n\": defined twice");
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name"}],"blocking":[["nom"]]})"),
              "blocking[0]: unknown field \"nom\"");
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name"}],"blocking":[["n:geohash5"]]})")
                  .rfind("blocking[0]: transform of \"n:geohash5\"", 0),
              0u);
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name"}],"match_threshold":1.5})"),
              "\"match_threshold\" must be a number between 0 and 1");
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name"}],"match_threshold":0.3,
                          "review_threshold":0.4})"),
              "\"review_threshold\" (0.4) must not exceed \"match_threshold\" (0.3)");
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name"}],"match_threshold":0.1})"), "");
    EXPECT_EQ(ErrorOf(R"({"fields":[{"name":"n","kind":"name"}],"threshold":0.3})")
                  .rfind("unknown key \"threshold\" in the resolution config", 0),
              0u);
    EXPECT_EQ(ErrorOf(R"({"fields":[]})"),
              "the resolution config needs \"fields\" (a non-empty array)");
    EXPECT_EQ(ErrorOf(R"([1])"), "the resolution config must be an object, not an array");
    EXPECT_NE(ErrorOf(R"({"fields":)"), "");  // malformed JSON
}

TEST(ResolveConfig, RecordsMustMatchTheConfig) {
    auto a = ResolverConfig::FromJson(R"({"fields":[{"name":"n","kind":"name"}]})");
    auto b = ResolverConfig::FromJson(R"({"fields":[{"name":"n","kind":"code"}]})");
    RecordSet records(a);
    EXPECT_THROW(Resolve(b, records), InvalidArgument);
}

}  // namespace
}  // namespace nightjar::core::resolve

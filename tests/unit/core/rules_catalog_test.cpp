// rules_catalog_test.cpp: docs/rules.md documents exactly the rule kinds, transforms and
// multi-column functions the core accepts (core/rules/catalog.hpp), in the same order —
// the test fails when a kind is added to one and not the other. Also: CompileRuleSet,
// the one route by which validation rules reach the core (JSON text).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/rules/catalog.hpp"
#include "core/rules/rule_set.hpp"

namespace nightjar::core::rules {
namespace {

// ReadDoc returns docs/rules.md (NIGHTJAR_TEST_DATA is tests/data of the source tree).
std::string ReadDoc() {
    std::ifstream in(std::string(NIGHTJAR_TEST_DATA) + "/../../docs/rules.md");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// TableNames returns the backquoted names of the first cell of every row of the first
// markdown table whose header line starts with `header`, after the heading `after`.
std::vector<std::string> TableNames(const std::string& doc, const std::string& after,
                                    const std::string& header) {
    size_t pos = doc.find(after);
    if (pos == std::string::npos) return {};
    pos = doc.find("\n" + header, pos);
    if (pos == std::string::npos) return {};
    std::istringstream lines(doc.substr(pos + 1));
    std::string line;
    std::getline(lines, line);  // header
    std::getline(lines, line);  // | --- |
    std::vector<std::string> names;
    const std::regex name("`([a-z_]+)`");
    while (std::getline(lines, line) && line.rfind("|", 0) == 0) {
        const std::string cell = line.substr(1, line.find('|', 1) - 1);
        for (std::sregex_iterator it(cell.begin(), cell.end(), name), end; it != end; ++it)
            names.push_back((*it)[1]);
    }
    return names;
}

TEST(RulesCatalog, DocsListTheValidationKinds) {
    EXPECT_EQ(TableNames(ReadDoc(), "## Validation", "| kind | params |"), ValidationKinds());
}

TEST(RulesCatalog, DocsListTheNormalizationKinds) {
    EXPECT_EQ(TableNames(ReadDoc(), "## Normalisation", "| kind | keys |"), NormalizationKinds());
}

TEST(RulesCatalog, DocsListTheTransforms) {
    EXPECT_EQ(TableNames(ReadDoc(), "### Transforms", "| function | params |"), TransformNames());
}

TEST(RulesCatalog, DocsListTheMultiFunctions) {
    EXPECT_EQ(TableNames(ReadDoc(), "### Transforms", "| function | what it does |"),
              MultiFunctions());
}

TEST(RulesCatalog, CatalogJsonHoldsEveryList) {
    const std::string json = CatalogJson();
    EXPECT_NE(json.find("\"validation\": [\"required\", \"type\""), std::string::npos);
    EXPECT_NE(json.find("\"multi\": [\"split_address\", \"point\"]"), std::string::npos);
}

TEST(RuleSet, CompilesRulesWithTheirGlueData) {
    const RuleSet set = CompileRuleSet(
        R"j([{"name": "a_req", "kind": "required", "field": "a", "rule_id": 7},
            {"name": "b_ref", "kind": "reference", "field": "b", "severity": "warning",
             "params": {"table": "s.t", "column": "c"}, "values": ["FR", null, "BE"]},
            {"name": "a_fn", "kind": "custom_sql", "field": "a",
             "params": {"function": "s.f(jsonb)"}, "function_oid": 16402},
            {"name": "a_new", "kind": "unique_existing", "field": "a", "probe": "SELECT 1"}])j",
        {"a", "b"});
    ASSERT_EQ(set.rules.size(), 4u);
    EXPECT_EQ(set.probes, (std::vector<std::string>{"", "", "", "SELECT 1"}));
    EXPECT_EQ(set.rule_ids, (std::vector<int64_t>{7, 0, 0, 0}));
    EXPECT_EQ(set.function_oids, (std::vector<uint32_t>{0, 0, 16402, 0}));
    EXPECT_FALSE(set.rules[1].is_error);
    EXPECT_EQ(set.rules[1].field_index, 1u);
    ASSERT_EQ(set.value_sets.size(), 1u);
    EXPECT_EQ(set.value_sets[0].first, 1u);
    EXPECT_TRUE(set.value_sets[0].second.Contains("BE"));
    EXPECT_FALSE(set.value_sets[0].second.Contains("null"));
}

TEST(RuleSet, RefusesMalformedRuleObjects) {
    auto message = [](const std::string& json) {
        try {
            CompileRuleSet(json, {"a"});
        } catch (const InvalidArgument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message(R"({"name": "r"})"),
              "nightjar: rules must be a JSON array of rule objects, not an object");
    EXPECT_EQ(message(R"([{"name": "r", "kind": "required"}])"),
              "nightjar: rule r: \"field\" is required");
    EXPECT_EQ(message(R"([{"name": "r", "kind": "required", "field": "a", "fn_oid": 1}])"),
              "nightjar: rule r: unknown key \"fn_oid\"");
    EXPECT_EQ(message(R"([{"name": "r", "kind": "required", "field": "a", "probe": 1}])"),
              "nightjar: rule r: \"probe\" must be a string");
    EXPECT_EQ(message(R"([{"name": "r", "kind": "required", "field": "a", "rule_id": -1}])"),
              "nightjar: rule r: \"rule_id\" must be a non-negative integer");
    EXPECT_EQ(message(R"([{"name": "r", "kind": "regex", "field": "a", "params": []}])"),
              "nightjar: rule r: params must be a JSON object, not an array");
    EXPECT_EQ(message(R"([{"name": "r", "kind": "nope", "field": "a"}])"),
              "nightjar: unknown rule kind \"nope\" (known: " + JoinNames(ValidationKinds()) + ")");
    EXPECT_EQ(message("[{"), message("[{"));  // malformed JSON throws InvalidArgument too
    EXPECT_NE(message("[{"), "no error");
}

}  // namespace
}  // namespace nightjar::core::rules

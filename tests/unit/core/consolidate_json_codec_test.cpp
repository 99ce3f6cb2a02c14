// consolidate_json_codec_test.cpp: the golden-record call from JSON text to JSON text,
// string escaping, and the stable-id answer's JSON (each output parsed back and checked).
#include <gtest/gtest.h>

#include <string>

#include "core/consolidate/json_codec.hpp"
#include "core/errors.hpp"
#include "core/json/json_value.hpp"

namespace nightjar::core::consolidate {
namespace {

TEST(ConsolidateJson, StringsAreEscaped) {
    std::string out;
    AppendJsonString(out, "a\"b\\c\nd\x01");
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001\"");
    EXPECT_EQ(ParseJson(out).text, "a\"b\\c\nd\x01");
}

TEST(ConsolidateJson, GoldenRecordRoundTrip) {
    const SurvivorshipConfig config = ParseSurvivorshipConfig(
        R"({"fields": {"phone": {"rule": "custom", "function": "f"}, "name": "most_recent"}})");
    const std::string out = GoldenRecordJson(config, R"([
        {"source": "a", "key": "1", "updated_at": 10, "fields": {"name": "Old", "phone": "01", "n": 1.50}},
        {"source": "b", "key": 2,   "updated_at": 20, "fields": {"name": "New \"Co\"", "phone": null}}])",
                                             R"({"city": "Lyon"})");
    const JsonValue g = ParseJson(out);
    EXPECT_EQ(g.Find("parent")->Find("key")->text, "1");  // most complete: a has 3 fields
    const JsonValue* fields = g.Find("fields");
    EXPECT_EQ(fields->Find("name")->text, "New \"Co\"");
    EXPECT_EQ(fields->Find("city")->text, "Lyon");
    EXPECT_DOUBLE_EQ(fields->Find("n")->AsNumber(), 1.5);
    const JsonValue* prov = g.Find("provenance");
    ASSERT_EQ(prov->items.size(), 4u);  // city, n, name, phone
    EXPECT_EQ(prov->items[0].Find("rule")->text, "manual");
    EXPECT_EQ(prov->items[0].Find("source")->type, JsonValue::Type::kNull);
    EXPECT_EQ(prov->items[2].Find("source")->text, "b");
    const JsonValue& phone = prov->items[3];
    EXPECT_EQ(phone.Find("function")->text, "f");
    ASSERT_EQ(phone.Find("candidates")->items.size(), 1u);
    EXPECT_EQ(phone.Find("candidates")->items[0].Find("value")->text, "01");
    EXPECT_DOUBLE_EQ(phone.Find("candidates")->items[0].Find("updated_at")->AsNumber(), 10.0);
}

TEST(ConsolidateJson, MalformedRecordsAreRefused) {
    const SurvivorshipConfig config = ParseSurvivorshipConfig("{}");
    EXPECT_THROW(GoldenRecordJson(config, "{}", "{}"), InvalidArgument);
    EXPECT_THROW(GoldenRecordJson(config, R"([{"source": "a", "fields": {}}])", "{}"),
                 InvalidArgument);
    EXPECT_THROW(GoldenRecordJson(config, "[]", "[]"), InvalidArgument);
}

TEST(ConsolidateJson, StableIdsAnswer) {
    std::vector<RecordPlacement> recs = {{kNoEntity, 3}, {kNoEntity, 4}};
    const ConstraintReport c = ApplyLinkConstraints(recs, {{0, 1}}, {});
    const StableIdResult r = AssignStableIds({}, recs);
    const JsonValue j = ParseJson(StableIdsJson(r, c));
    EXPECT_EQ(j.Find("record_entity")->items.size(), 2u);
    EXPECT_EQ(j.Find("record_entity")->items[1].text, "-1");
    EXPECT_EQ(j.Find("events")->items[0].Find("kind")->text, "created");
    EXPECT_EQ(j.Find("events")->items[0].Find("other")->type, JsonValue::Type::kNull);
    EXPECT_EQ(j.Find("constraints")->Find("must_joined")->text, "1");
}

}  // namespace
}  // namespace nightjar::core::consolidate

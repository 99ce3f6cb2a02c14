// entity_listing_test.cpp: templates, item keys and per-entity bookmarks of the per-entity
// HTTP listing (runner/sources/entity_listing.hpp), and the bookmark filter's groups: a
// failed item holds back its own entity only.
#include "runner/sources/entity_listing.hpp"

#include <gtest/gtest.h>

#include "runner/config/config.hpp"
#include "runner/ingest/bookmark.hpp"

namespace nightjar::runner {
namespace {

TEST(EntityListing, FillsColumnsEncodedAndLeavesUnknownPlaceholders) {
    EntityRow row{{"external_id", "OUV 1/a"}, {"entity", "OUV 1/a"}};
    std::string id = "S-9";
    EXPECT_EQ(FillTemplate("http://h/structures/{external_id}/states/{id}?x={other}", row, &id),
              "http://h/structures/OUV%201%2Fa/states/S-9?x={other}");
    EXPECT_EQ(FillTemplate("http://h/{id}", row, nullptr), "http://h/{id}");
    EXPECT_EQ(FillTemplate("no placeholder {", row, nullptr), "no placeholder {");
}

TEST(EntityListing, ExtraRoundTripsAndSortsByEntityFirst) {
    std::string e, v;
    ASSERT_TRUE(SplitEntityExtra(EntityExtra("OUV1", "2026-01-02"), e, v));
    EXPECT_EQ(e, "OUV1");
    EXPECT_EQ(v, "2026-01-02");
    EXPECT_FALSE(SplitEntityExtra("2026-01-02", e, v));
    // "OUV1" sorts before "OUV10" whatever the values (a stable order for reports).
    EXPECT_LT(EntityExtra("OUV1", "2027"), EntityExtra("OUV10", "2026"));
}

TEST(EntityListing, BookmarkJsonRoundTrips) {
    std::map<std::string, std::string> since{{"A", "2026-01-01"}, {"B\"q", "2026-02-01"}};
    std::string json = EntityBookmarkJson(since);
    EXPECT_EQ(json, "{\"entities\":{\"A\":\"2026-01-01\",\"B\\\"q\":\"2026-02-01\"}}");
    EXPECT_EQ(ParseEntityBookmark(json), since);
    EXPECT_TRUE(ParseEntityBookmark("").empty());
    EXPECT_TRUE(ParseEntityBookmark("{\"since\":\"x\"}").empty());
    EXPECT_TRUE(ParseEntityBookmark("not json").empty());
}

TEST(EntityListing, AFailedItemHoldsBackOnlyItsOwnEntity) {
    auto item = [](const std::string& entity, const std::string& value) {
        Candidate c;
        c.key = entity + "/" + value;
        c.extra = EntityExtra(entity, value);
        return c;
    };
    std::vector<Candidate> relevant{item("A", "2"), item("B", "1"), item("B", "3"), item("C", "1")};
    std::vector<Candidate> staged{item("A", "2"), item("B", "1"), item("C", "1")};
    std::set<std::string> done{"A/2", "B/1", "C/1"};  // B/3 failed
    auto kept = NewBookmarkItems(relevant, done, staged);
    std::vector<std::string> keys;
    for (const auto& c : kept) keys.push_back(c.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"A/2", "B/1", "C/1"}));
    // An undone item without a value still holds everything back.
    relevant.push_back(Candidate{});
    relevant.back().key = "D/x";
    EXPECT_TRUE(NewBookmarkItems(relevant, done, staged).empty());
}

}  // namespace
}  // namespace nightjar::runner

namespace nightjar::runner {
namespace {

// kEntities is a per-entity http source.
const std::string kEntities =
    "[[source]]\nname = \"h\"\nkind = \"http\"\nformat = \"json\"\n"
    "[source.http]\nlist_url = \"http://h/s/{external_id}/states\"\nitem_url = "
    "\"http://h/s/{external_id}/states/{id}\"\n"
    "entities_query = \"SELECT external_id FROM nightjar.monitoring_structure\"\n"
    "login_entity_field = \"structure\"\n";

TEST(EntityListing, ConfigReadsTheEntityKeysAndStoresThem) {
    Config c = ParseConfig(kEntities, "t.toml");
    const HttpOptions& h = c.sources.at(0).http;
    EXPECT_EQ(h.entities_query, "SELECT external_id FROM nightjar.monitoring_structure");
    EXPECT_EQ(h.login_entity_field, "structure");
    const std::string& stored = c.sources.at(0).public_json;
    EXPECT_NE(stored.find("\"entities_query\":\"SELECT external_id FROM "
                          "nightjar.monitoring_structure\""),
              std::string::npos)
        << stored;
    EXPECT_NE(stored.find("\"login_entity_field\":\"structure\""), std::string::npos) << stored;
    // Without entities_query the stored JSON is what it was before (no new keys).
    std::string plain = kEntities.substr(0, kEntities.find("entities_query"));
    EXPECT_EQ(ParseConfig(plain, "t.toml").sources.at(0).public_json.find("entities_query"),
              std::string::npos);
}

}  // namespace
}  // namespace nightjar::runner

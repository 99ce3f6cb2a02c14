// resolve_record_feed_test.cpp: RecordFeed adds rows on its worker thread exactly as
// adding them in order on one thread does (indexes, keys, normalised values, missing
// values), across batch hand-overs; a row with a value missing is refused; a feed
// destroyed without Finish (the caller failed) stops its worker.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/resolve/record_feed.hpp"
#include "core/resolve/record_set.hpp"

namespace nightjar::core::resolve {
namespace {

// Config returns a two-field config (a name and a postcode).
ResolverConfig Config() {
    ResolverConfig c;
    FieldSpec name;
    name.name = "name";
    name.kind = FieldKind::kName;
    FieldSpec postcode;
    postcode.name = "postcode";
    postcode.kind = FieldKind::kCode;
    c.fields = {name, postcode};
    return c;
}

// Row returns generated row i: a name, and a postcode missing on every seventh row.
std::vector<std::optional<std::string>> Row(int i) {
    std::vector<std::optional<std::string>> v;
    v.push_back("Boulangerie " + std::to_string(i % 97) + " Éléonore");
    if (i % 7 == 0) {
        v.push_back(std::nullopt);
    } else {
        v.push_back(std::to_string(75000 + i % 20));
    }
    return v;
}

// Views returns views of a row's values.
std::vector<std::optional<std::string_view>> Views(
    const std::vector<std::optional<std::string>>& r) {
    std::vector<std::optional<std::string_view>> out;
    for (const auto& v : r) out.push_back(v ? std::optional<std::string_view>(*v) : std::nullopt);
    return out;
}

TEST(RecordFeed, AddsRowsAsOneThreadWould) {
    const ResolverConfig config = Config();
    RecordSet direct(config), fed(config);
    {
        RecordFeed feed(fed, 16);  // many hand-overs
        for (int i = 0; i < 1000; ++i) {
            const auto row = Row(i);
            direct.Add(static_cast<uint32_t>(i % 3), "k" + std::to_string(i), row);
            const std::string key = "k" + std::to_string(i);
            feed.Append(static_cast<uint32_t>(i % 3), key, Views(row));
        }
        feed.Finish();
    }
    ASSERT_EQ(fed.size(), direct.size());
    for (uint32_t r = 0; r < direct.size(); ++r) {
        EXPECT_EQ(fed.Source(r), direct.Source(r));
        EXPECT_EQ(fed.Key(r), direct.Key(r));
        EXPECT_EQ(fed.NormalizedValue(r, 0), direct.NormalizedValue(r, 0));
        EXPECT_EQ(fed.NormalizedValue(r, 1), direct.NormalizedValue(r, 1));
    }
    EXPECT_EQ(fed.NormalizedValue(7, 1), "");  // missing stays missing
    EXPECT_EQ(fed.NormalizedValue(1, 0), direct.NormalizedValue(1, 0));
}

TEST(RecordFeed, AWrongRowIsRefusedToTheCaller) {
    RecordSet fed(Config());
    RecordFeed feed(fed, 4);
    const std::vector<std::optional<std::string_view>> one = {std::string_view("x")};  // 1 of 2
    EXPECT_THROW(
        {
            for (int i = 0; i < 100; ++i) feed.Append(0, "k", one);
            feed.Finish();
        },
        InvalidArgument);
}

TEST(RecordFeed, ADestroyedFeedStopsItsWorker) {
    RecordSet fed(Config());
    {
        RecordFeed feed(fed, 8);
        for (int i = 0; i < 100; ++i) feed.Append(0, "k" + std::to_string(i), Views(Row(i)));
        // no Finish: the caller failed; the destructor must stop and join the worker
    }
    EXPECT_LE(fed.size(), 100u);
}

}  // namespace
}  // namespace nightjar::core::resolve

// resolve_record_feed_test.cpp: RecordFeed adds rows on its worker thread exactly as
// adding them in order on one thread does (indexes, keys, normalised values, missing
// values), across batch hand-overs; a row with a value missing is refused; a feed
// destroyed without Finish (the caller failed) stops its worker. Canonical points are
// written as printf writes them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <random>
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

TEST(RecordSetGeo, PointsAreWrittenAsPrintfWouldWriteThem) {
    // Canonical points are "%.6f,%.6f" of the parsed coordinates (written by to_chars,
    // parsed by from_chars with strtod behind): compare with snprintf and strtod on random
    // coordinates written in several ways (decimal comma, spaces, a leading '+', exponents).
    ResolverConfig config;
    FieldSpec geo;
    geo.name = "location";
    geo.kind = FieldKind::kGeo;
    config.fields = {geo};
    RecordSet records(config);
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> lat(-90, 90), lon(-180, 180);
    std::vector<std::string> expected;
    for (int i = 0; i < 20000; ++i) {
        const double a = lat(rng), b = lon(rng);
        char raw[128];
        switch (i % 4) {
            case 0:
                std::snprintf(raw, sizeof raw, "%.17g,%.17g", a, b);
                break;
            case 1:
                std::snprintf(raw, sizeof raw, "%.4f, %.9f", a, b);
                break;
            case 2:
                std::snprintf(raw, sizeof raw, "+%.7f,%.3e", std::fabs(a), b);
                break;
            default:
                std::snprintf(raw, sizeof raw, "%.12g,%.2f", a, b);
                break;
        }
        std::string text(raw);
        const size_t comma = text.find(',');
        const double pa = std::strtod(text.substr(0, comma).c_str(), nullptr);
        std::string rest = text.substr(comma + 1);
        rest.erase(std::remove(rest.begin(), rest.end(), ' '), rest.end());
        const double pb = std::strtod(rest.c_str(), nullptr);
        char want[96];
        std::snprintf(want, sizeof want, "%.6f,%.6f", pa, pb);
        expected.emplace_back(want);
        records.Add(0, "k" + std::to_string(i),
                    std::vector<std::optional<std::string_view>>{std::string_view(text)});
    }
    for (uint32_t r = 0; r < records.size(); ++r)
        ASSERT_EQ(records.NormalizedValue(r, 0), expected[r]) << r;
}

}  // namespace
}  // namespace nightjar::core::resolve

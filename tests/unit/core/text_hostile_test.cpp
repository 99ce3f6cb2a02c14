// text_hostile_test.cpp: every named transform on hostile input — SQL fragments, quotes,
// invalid UTF-8, NUL bytes, escape-looking text, 1 MB strings — must return (no crash,
// no exception) and follow the documented policy: invalid UTF-8 → nullopt everywhere.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/text/transform_catalog.hpp"
#include "core/text/transforms.hpp"

namespace nightjar::core::text {
namespace {

// AllTransforms compiles every catalog transform with minimal parameters.
std::vector<CompiledTransform> AllTransforms() {
    std::vector<CompiledTransform> out;
    JsonValue map = ParseJson(R"({"values": {"a": "b"}})");
    for (const auto& name : CompiledTransform::Names())
        out.push_back(CompiledTransform::Compile(name, name == "map" ? &map : nullptr));
    return out;
}

const std::vector<std::string> kInvalidUtf8{"\xFF",         "abc\xC3",          "\xC0\xAF",
                                            "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82",
                                            "12 345,6\x80", "a@b.fr\xFE"};

TEST(TextHostile, InvalidUtf8IsUnusableForEveryTransform) {
    for (const auto& t : AllTransforms())
        for (const auto& in : kInvalidUtf8)
            EXPECT_EQ(t.Apply(in), std::nullopt) << t.Name() << " on byte string";
    for (const auto& in : kInvalidUtf8) {
        EXPECT_FALSE(SplitAddress(in + " 75002 Paris").has_value());
        EXPECT_EQ(MakePoint(in, "1"), std::nullopt);
        EXPECT_EQ(RecordKey(in, "1"), std::nullopt);
    }
}

TEST(TextHostile, SqlFragmentsAndQuotesAreJustText) {
    const std::string sql = "'; DROP TABLE x; --";
    EXPECT_EQ(Trim(" " + sql + " "), sql);
    EXPECT_EQ(Upper(sql), "'; DROP TABLE X; --");
    EXPECT_EQ(Unaccent(sql), sql);
    EXPECT_EQ(CollapseSpaces(sql), sql);
    for (auto fn :
         {CleanEmail, CleanUrl, CleanSiren, CleanSiret, CleanPostcode, ParseDecimalFr, ParseDateFr})
        EXPECT_EQ(fn(sql), std::nullopt);
    EXPECT_EQ(CleanPhone(sql), std::nullopt);
    EXPECT_EQ(RecordKey("src", sql), "src_" + sql);  // ids are kept verbatim (trimmed)
    EXPECT_EQ(Lower("\"Quoted\" \\ back\\slash"), "\"quoted\" \\ back\\slash");
}

TEST(TextHostile, NulBytesAndEscapeLookalikes) {
    const std::string nul("a\0b", 3);
    EXPECT_EQ(Trim(nul), nul);  // a NUL is not whitespace; text transforms keep it
    EXPECT_EQ(CleanEmail(std::string("a\0@b.fr", 7)), std::nullopt);
    EXPECT_EQ(CleanUrl(std::string("https://a\0.fr", 13)), std::nullopt);
    EXPECT_EQ(CleanSiren(std::string("732829320\0", 10)), std::nullopt);
    EXPECT_EQ(CleanPhone(std::string("0123456789\0", 11)), std::nullopt);
    EXPECT_EQ(ParseDecimalFr(std::string("1\0", 2)), std::nullopt);
    EXPECT_EQ(Trim("\\u0000"), "\\u0000");  // six characters, not a NUL
    EXPECT_EQ(CleanPostcode("\\u0037\\u0035\\u0030\\u0030\\u0032"), std::nullopt);
    EXPECT_EQ(Unaccent("caf\\u00e9"), "caf\\u00e9");
}

TEST(TextHostile, OneMegabyteStrings) {
    const std::string mb_ascii(1 << 20, 'a');
    std::string mb_accents;
    while (mb_accents.size() < (1 << 20)) mb_accents += "é ";
    std::string mb_digits(1 << 20, '7');
    auto start = std::chrono::steady_clock::now();
    for (const auto& t : AllTransforms()) {
        for (const std::string* in :
             std::vector<const std::string*>{&mb_ascii, &mb_accents, &mb_digits}) {
            auto out = t.Apply(*in);
            if (out) {
                EXPECT_LE(out->size(), 3 * in->size() + 16) << t.Name();
            }
        }
    }
    EXPECT_EQ(Unaccent(mb_accents)->size(),
              mb_accents.size() / 3 * 2);  // "é " (3 bytes) → "e " (2 bytes)
    EXPECT_EQ(CollapseSpaces(mb_accents)->size(), mb_accents.size() - 1);  // trailing space dropped
    EXPECT_EQ(ParseDecimalFr(mb_digits), std::nullopt);                    // > kMaxDecimalDigits
    EXPECT_EQ(ParseDecimalFr(std::string(kMaxDecimalDigits, '9')),
              std::string(kMaxDecimalDigits, '9'));
    EXPECT_EQ(ParseDecimalFr(std::string(kMaxDecimalDigits, '9') + ",9"), std::nullopt);
    EXPECT_EQ(ParseDecimalFr(std::string(5000, '0') + "1,5"), "1.5");  // leading zeros do not count
    EXPECT_EQ(CleanSiren(mb_digits), std::nullopt);
    EXPECT_FALSE(SplitAddress(mb_digits).has_value());
    EXPECT_EQ(MakePoint(mb_digits, "1"), std::nullopt);
    EXPECT_EQ(RecordKey("s", mb_ascii), std::nullopt);  // would not fit an index entry
    EXPECT_EQ(RecordKey("s", std::string(kMaxRecordKeyBytes - 2, 'i'))->size(), kMaxRecordKeyBytes);
    EXPECT_EQ(RecordKey("s", std::string(kMaxRecordKeyBytes - 1, 'i')), std::nullopt);
    // Not a timing assertion: just report, so a quadratic regression is visible in the log.
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    std::printf("all transforms on three 1 MB strings: %lld ms\n", static_cast<long long>(ms));
}

TEST(TextHostile, JsonParserRefusesHostileDocuments) {
    std::string deep(100, '[');
    EXPECT_THROW(ParseJson(deep), InvalidArgument);
    EXPECT_THROW(ParseJson("\"\\u0000\""), InvalidArgument);
    EXPECT_THROW(ParseJson("\"\\ud800\""), InvalidArgument);
    EXPECT_THROW(ParseJson("\"\xFF\""), InvalidArgument);
    EXPECT_THROW(ParseJson("{\"a\":1,}"), InvalidArgument);
    EXPECT_THROW(ParseJson("01"), InvalidArgument);
    EXPECT_EQ(ParseJson("\"\\ud83d\\ude00\"").text, "\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace nightjar::core::text

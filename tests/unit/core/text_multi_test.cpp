// text_multi_test.cpp: SplitAddress, MakePoint and RecordKey.
#include <gtest/gtest.h>

#include "core/text/transforms.hpp"

namespace nightjar::core::text {
namespace {

// ExpectAddress checks the three parts of a split.
void ExpectAddress(std::string_view in, const char* street, const char* postcode,
                   const char* city) {
    auto a = SplitAddress(in);
    ASSERT_TRUE(a.has_value()) << in;
    EXPECT_EQ(a->street, street) << in;
    EXPECT_EQ(a->postcode, postcode) << in;
    EXPECT_EQ(a->city, city) << in;
}

TEST(TextSplitAddress, LastFiveDigitGroupIsThePostcode) {
    ExpectAddress("12 rue de la Paix 75002 Paris", "12 rue de la Paix", "75002", "Paris");
    ExpectAddress("12, rue de la Paix, 75002 PARIS", "12, rue de la Paix", "75002", "PARIS");
    ExpectAddress("BP 12345, 1 place X  69001   Lyon Cedex 01", "BP 12345, 1 place X", "69001",
                  "Lyon Cedex 01");
    ExpectAddress("75002 Paris", "", "75002", "Paris");
    ExpectAddress("1 allée des Tilleuls, 01000", "1 allée des Tilleuls", "01000", "");
    EXPECT_FALSE(SplitAddress("12 rue de la Paix Paris").has_value());
    EXPECT_FALSE(
        SplitAddress("Tel 0123456789").has_value());  // 10 digits: no standalone group of 5
    EXPECT_FALSE(SplitAddress("a\xFF"
                              "75002 b")
                     .has_value());
}

TEST(TextPoint, LonLatTextInRange) {
    EXPECT_EQ(MakePoint("48.8566", "2.3522"), "(2.3522,48.8566)");
    EXPECT_EQ(MakePoint("48,8566", "-2,5"), "(-2.5,48.8566)");
    EXPECT_EQ(MakePoint("-90", "180"), "(180,-90)");
    EXPECT_EQ(MakePoint("90.0001", "0"), std::nullopt);
    EXPECT_EQ(MakePoint("0", "-180.5"), std::nullopt);
    EXPECT_EQ(MakePoint("", "2"), std::nullopt);
    EXPECT_EQ(MakePoint("N48", "2"), std::nullopt);
}

TEST(TextRecordKey, LowerUnaccentedCodeAndTrimmedId) {
    EXPECT_EQ(RecordKey("INSEE", "123"), "insee_123");
    EXPECT_EQ(RecordKey("Région Île-de-France", " A-42 "), "region_ile_de_france_A-42");
    EXPECT_EQ(RecordKey("  --Sirène--  ", "9"), "sirene_9");
    EXPECT_EQ(RecordKey("X", "   "), std::nullopt);
    EXPECT_EQ(RecordKey("---", "1"), std::nullopt);
    EXPECT_EQ(RecordKey("x", "a\xC3"), std::nullopt);
}

}  // namespace
}  // namespace nightjar::core::text

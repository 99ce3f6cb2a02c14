// text_identifiers_test.cpp: SIREN/SIRET (Luhn computed independently here, La Poste
// rule), postcodes and phone numbers, with hand-written expected values.
#include <gtest/gtest.h>

#include <string>

#include "core/text/transforms.hpp"

namespace nightjar::core::text {
namespace {

// LuhnSum computes the Luhn sum the textbook way, independently of the implementation.
int LuhnSum(const std::string& digits) {
    int sum = 0;
    for (size_t k = 0; k < digits.size(); ++k) {
        int d = digits[digits.size() - 1 - k] - '0';
        if (k % 2 == 1) {
            d *= 2;
            if (d > 9) d = d / 10 + d % 10;
        }
        sum += d;
    }
    return sum;
}

// DigitSum adds the digits.
int DigitSum(const std::string& digits) {
    int sum = 0;
    for (char c : digits) sum += c - '0';
    return sum;
}

TEST(TextSiren, LuhnValidOnly) {
    ASSERT_EQ(LuhnSum("732829320") % 10, 0);  // 0+4+3+9+2+7+2+6+7 = 40
    EXPECT_EQ(CleanSiren("732829320"), "732829320");
    EXPECT_EQ(CleanSiren(" 732 829 320 "), "732829320");
    EXPECT_EQ(CleanSiren("732.829.320"), "732829320");
    EXPECT_EQ(CleanSiren("732\xC2\xA0"
                         "829\xC2\xA0"
                         "320"),
              "732829320");
    EXPECT_EQ(CleanSiren("732829321"), std::nullopt);   // checksum off by one
    EXPECT_EQ(CleanSiren("73282932"), std::nullopt);    // 8 digits
    EXPECT_EQ(CleanSiren("7328293200"), std::nullopt);  // 10 digits
    EXPECT_EQ(CleanSiren("000000000"), std::nullopt);   // Luhn-valid, never assigned
    EXPECT_EQ(CleanSiren("73282932O"), std::nullopt);   // letter O
    EXPECT_EQ(CleanSiren(""), std::nullopt);
}

TEST(TextSiret, LuhnAndLaPoste) {
    ASSERT_EQ(LuhnSum("73282932000074") % 10, 0);
    EXPECT_EQ(CleanSiret("732 829 320 00074"), "73282932000074");
    EXPECT_EQ(CleanSiret("73282932000075"), std::nullopt);
    // La Poste's head office 356 000 000 00048 passes plain Luhn (sum 30); its digit sum
    // is 26, so it is NOT an example of the exception.
    ASSERT_EQ(LuhnSum("35600000000048") % 10, 0);
    ASSERT_NE(DigitSum("35600000000048") % 5, 0);
    EXPECT_EQ(CleanSiret("35600000000048"), "35600000000048");
    // An establishment valid only by the exception: Luhn sum 48, digit sum 45.
    ASSERT_NE(LuhnSum("35600000049837") % 10, 0);
    ASSERT_EQ(DigitSum("35600000049837") % 5, 0);
    EXPECT_EQ(CleanSiret("356 000 000 49837"), "35600000049837");
    // Digit sum 46 and Luhn sum 50-... not a multiple of 10: refused.
    ASSERT_NE(LuhnSum("35600000049838") % 10, 0);
    ASSERT_NE(DigitSum("35600000049838") % 5, 0);
    EXPECT_EQ(CleanSiret("35600000049838"), std::nullopt);
    // The exception is La Poste's alone: same digit-sum property under another SIREN fails.
    ASSERT_NE(LuhnSum("73282932000054") % 10, 0);
    ASSERT_EQ(DigitSum("73282932000054") % 5, 0);
    EXPECT_EQ(CleanSiret("73282932000054"), std::nullopt);
    EXPECT_EQ(CleanSiret("732829320"), std::nullopt);
    EXPECT_EQ(CleanSiret("00000000000000"), std::nullopt);
}

TEST(TextPostcode, FrenchFiveDigits) {
    EXPECT_EQ(CleanPostcode("75002"), "75002");
    EXPECT_EQ(CleanPostcode("75 001"), "75001");
    EXPECT_EQ(CleanPostcode("1000"), "01000");
    EXPECT_EQ(CleanPostcode(" 97400 "), "97400");
    EXPECT_EQ(CleanPostcode("20000"), "20000");       // Ajaccio: Corsican postcodes are digits
    EXPECT_EQ(CleanPostcode("2A004"), std::nullopt);  // an INSEE code, not a postcode
    EXPECT_EQ(CleanPostcode("00100"), std::nullopt);
    EXPECT_EQ(CleanPostcode("750011"), std::nullopt);
    EXPECT_EQ(CleanPostcode("123"), std::nullopt);
    EXPECT_EQ(CleanPostcode("F-75001"), std::nullopt);
}

TEST(TextPhone, FrenchFormsToE164) {
    for (const char* in :
         {"01 23 45 67 89", "+33 1 23 45 67 89", "0033123456789", "(0)1.23.45.67.89",
          "01-23-45-67-89", "+33 (0)1 23 45 67 89", "0123456789", "+33123456789"})
        EXPECT_EQ(CleanPhone(in), "+33123456789") << in;
    EXPECT_EQ(CleanPhone("06 12 34 56 78"), "+33612345678");
    EXPECT_EQ(CleanPhone("01 23 45 67"), std::nullopt);    // 8 digits
    EXPECT_EQ(CleanPhone("00 23 45 67 89"), "+23456789");  // "00" = international, 8 digits: kept
    EXPECT_EQ(CleanPhone("+33 0 0 23 45 67 89"), std::nullopt);
    EXPECT_EQ(CleanPhone("tel 0123456789"), std::nullopt);
    EXPECT_EQ(CleanPhone(""), std::nullopt);
}

TEST(TextPhone, InternationalAndOtherCountries) {
    EXPECT_EQ(CleanPhone("+32 2 555 12 12"), "+3225551212");
    EXPECT_EQ(CleanPhone("0044 20 7946 0958"), "+442079460958");
    EXPECT_EQ(CleanPhone("+1 234"), std::nullopt);             // 4 digits
    EXPECT_EQ(CleanPhone("+1234567890123456"), std::nullopt);  // 16 digits
    EXPECT_EQ(CleanPhone("02 555 12 12", "BE"), "+3225551212");
    EXPECT_EQ(CleanPhone("06 123 45678", "IT"), "+390612345678");  // Italy keeps its 0
    EXPECT_EQ(CleanPhone("01 23 45 67 89", "fr"), "+33123456789");
    EXPECT_EQ(CleanPhone("01 23 45 67 89", "XX"), std::nullopt);
    EXPECT_TRUE(KnownPhoneCountry("BE"));
    EXPECT_FALSE(KnownPhoneCountry("XX"));
}

}  // namespace
}  // namespace nightjar::core::text

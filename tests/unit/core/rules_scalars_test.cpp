// rules_scalars_test.cpp checks the integer, decimal and boolean scanners of the type
// rule, including hostile and borderline inputs (overflow, exponents, "-0", grouping).
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <random>
#include <string>

#include "core/rules/scalars.hpp"

namespace nightjar::core::rules {
namespace {

// ReferenceParseDecimal is ParseDecimal as first written (digits copied into integer and
// fraction strings, then joined), kept to check the one-pass version against it.
std::optional<std::string> ReferenceParseDecimal(std::string_view s, char sep, char thousands) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    s = TrimAscii(s);
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    std::string integer, fraction;
    size_t i = 0, group = 0;
    bool grouped = false;
    for (; i < s.size() && s[i] != sep; ++i) {
        char c = s[i];
        if (digit(c)) {
            integer.push_back(c);
            ++group;
        } else if (thousands != 0 && c == thousands) {
            if (group == 0 || group > 3 || (grouped && group != 3)) return std::nullopt;
            grouped = true;
            group = 0;
        } else {
            return std::nullopt;
        }
    }
    if (grouped && group != 3) return std::nullopt;
    if (i < s.size()) {
        for (++i; i < s.size(); ++i) {
            if (!digit(s[i])) return std::nullopt;
            fraction.push_back(s[i]);
        }
        if (fraction.empty()) return std::nullopt;
    }
    if (integer.empty() && fraction.empty()) return std::nullopt;
    size_t nz = integer.find_first_not_of('0');
    integer = nz == std::string::npos ? "0" : integer.substr(nz);
    bool zero = integer == "0" && fraction.find_first_not_of('0') == std::string::npos;
    std::string out = (negative && !zero) ? "-" : "";
    out += integer;
    if (!fraction.empty()) out += "." + fraction;
    return out;
}

TEST(RulesScalars, DecimalsAgreeWithTheFirstParser) {
    // Random strings over the characters that matter (digits, both separators, spaces,
    // signs, a letter), every separator/grouping combination the rules allow.
    std::mt19937_64 rng(11);
    const std::string alphabet = "0123456789000,. -+x";
    std::uniform_int_distribution<size_t> len(0, 14), pick(0, alphabet.size() - 1);
    const std::pair<char, char> modes[] = {{'.', 0},   {',', 0},   {',', '.'},
                                           {'.', ','}, {',', ' '}, {'.', ' '}};
    for (int i = 0; i < 300000; ++i) {
        std::string v(len(rng), ' ');
        for (char& c : v) c = alphabet[pick(rng)];
        for (const auto& [sep, thousands] : modes)
            ASSERT_EQ(ParseDecimal(v, sep, thousands), ReferenceParseDecimal(v, sep, thousands))
                << "'" << v << "' sep " << sep << " thousands " << (thousands ? thousands : '0');
    }
}

TEST(RulesScalars, IntegersAcceptDigitsWithSignAndBlanks) {
    EXPECT_EQ(ParseInteger("12"), 12);
    EXPECT_EQ(ParseInteger(" 12 "), 12);
    EXPECT_EQ(ParseInteger("+7"), 7);
    EXPECT_EQ(ParseInteger("-0"), 0);
    EXPECT_EQ(ParseInteger("007"), 7);
    EXPECT_EQ(ParseInteger("9223372036854775807"), INT64_MAX);
    EXPECT_EQ(ParseInteger("-9223372036854775808"), INT64_MIN);
}

TEST(RulesScalars, IntegersRefuseEverythingElse) {
    for (const char* bad : {"", " ", "-", "+", "1.0", "1e3", "1e309", "12a", "9223372036854775808",
                            "-9223372036854775809", "1 2", "0x10", "'; DROP TABLE x; --", "١٢"})
        EXPECT_FALSE(ParseInteger(bad).has_value()) << bad;
}

TEST(RulesScalars, DecimalsAreCanonical) {
    EXPECT_EQ(ParseDecimal("12.50", '.', 0), "12.50");
    EXPECT_EQ(ParseDecimal(" 12,5 ", ',', 0), "12.5");
    EXPECT_EQ(ParseDecimal("1.234,56", ',', '.'), "1234.56");
    EXPECT_EQ(ParseDecimal("1 234 567.8", '.', ' '), "1234567.8");
    EXPECT_EQ(ParseDecimal("-0", '.', 0), "0");
    EXPECT_EQ(ParseDecimal("-0.00", '.', 0), "0.00");
    EXPECT_EQ(ParseDecimal("-000.5", '.', 0), "-0.5");
    EXPECT_EQ(ParseDecimal(".5", '.', 0), "0.5");
    EXPECT_EQ(ParseDecimal("+3", '.', 0), "3");
}

TEST(RulesScalars, DecimalsRefuseMalformed) {
    EXPECT_FALSE(ParseDecimal("1,5", '.', 0));       // ',' is not the separator here
    EXPECT_FALSE(ParseDecimal("1.234,56", ',', 0));  // grouping not enabled
    EXPECT_FALSE(ParseDecimal("12.5.3", '.', 0));
    EXPECT_FALSE(ParseDecimal("1e309", '.', 0));
    EXPECT_FALSE(ParseDecimal("5.", '.', 0));
    EXPECT_FALSE(ParseDecimal("", '.', 0));
    EXPECT_FALSE(ParseDecimal("-", '.', 0));
    EXPECT_FALSE(ParseDecimal("1.23.4,5", ',', '.'));    // a group of two
    EXPECT_FALSE(ParseDecimal("1234.567,8", ',', '.'));  // a first group of four
    EXPECT_FALSE(ParseDecimal(".234,5", ',', '.'));
    EXPECT_FALSE(ParseDecimal("NaN", '.', 0));
    EXPECT_FALSE(ParseDecimal("Infinity", '.', 0));
}

TEST(RulesScalars, DecimalValueIsWhatStrtodReturns) {
    // The reference is strtod (correctly rounded by glibc): equality of the doubles, no
    // tolerance, on hand-picked edges and on random canonical decimals of every length.
    const char* edges[] = {"0",
                           "0.0",
                           "0.5",
                           "-0.5",
                           "0.1",
                           "0.3",
                           "123456789012345",
                           "1234567890123456",
                           "9007199254740993",
                           "0.000000000000000000001",
                           "1.0000000000000000000000001",
                           "-99999.999",
                           "100000",
                           "0.05",
                           "12345678901234567890123.5",
                           "1e5",
                           "4.35",
                           "2.675",
                           "79.1900000000000000",
                           "0.10000000000000000000000000000",
                           "123456789012345.000000",
                           "1234567890123456.0",
                           "100.00100",
                           "0.000",
                           "-0.0500",
                           "10.0000000000000000000001"};
    for (const char* e : edges) EXPECT_EQ(DecimalValue(e), std::strtod(e, nullptr)) << e;
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> digit(0, 9), len(1, 20), frac(0, 25), sign(0, 1);
    for (int i = 0; i < 200000; ++i) {
        std::string v = sign(rng) ? "-" : "";
        const int n = len(rng), f = frac(rng);
        for (int k = 0; k < n; ++k) v += static_cast<char>('0' + digit(rng));
        if (f > 0) {
            v += '.';
            for (int k = 0; k < f; ++k) v += static_cast<char>('0' + digit(rng));
        }
        ASSERT_EQ(DecimalValue(v), std::strtod(v.c_str(), nullptr)) << v;
        ASSERT_EQ(PlainDecimalValue(v), std::strtod(v.c_str(), nullptr)) << v;
    }
}

TEST(RulesScalars, PlainDecimalValueTakesOnlyThePlainForm) {
    EXPECT_EQ(PlainDecimalValue("007.50"), 7.5);
    EXPECT_EQ(PlainDecimalValue("-12"), -12.0);
    for (const char* s : {"", "-", ".", "5.", ".5", "-.5", "+5", " 5", "5 ", "1e5", "1,5", "1.2.3",
                          "--1", "0x10", "1_000"})
        EXPECT_FALSE(PlainDecimalValue(s).has_value()) << s;
}

TEST(RulesScalars, BooleansInSeveralLanguages) {
    for (const char* t : {"true", "TRUE", "t", "1", "yes", "Y", "oui", " Oui "})
        EXPECT_EQ(ParseBoolean(t), true) << t;
    for (const char* f : {"false", "F", "0", "no", "n", "non", "NON"})
        EXPECT_EQ(ParseBoolean(f), false) << f;
    for (const char* bad : {"", "2", "vrai", "yess", "truefalse", "o"})
        EXPECT_FALSE(ParseBoolean(bad)) << bad;
}

TEST(RulesScalars, CodePointsCountUnicodeCharacters) {
    EXPECT_EQ(CodePoints(""), 0u);
    EXPECT_EQ(CodePoints("abc"), 3u);
    EXPECT_EQ(CodePoints("été"), 3u);
    EXPECT_EQ(CodePoints("日本語"), 3u);
    EXPECT_EQ(CodePoints("\xF0\x9F\x98\x80"), 1u);  // U+1F600, 4 bytes
    EXPECT_EQ(CodePoints(std::string(1 << 20, 'x')), size_t{1} << 20);
}

}  // namespace
}  // namespace nightjar::core::rules

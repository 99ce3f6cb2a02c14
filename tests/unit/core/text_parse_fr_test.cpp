// text_parse_fr_test.cpp: French decimals and dates, accepted and refused forms, and the
// Gregorian calendar checked against a day count computed independently.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "core/text/transforms.hpp"

namespace nightjar::core::text {
namespace {

TEST(TextDecimalFr, CanonicalText) {
    EXPECT_EQ(ParseDecimalFr("1 234,56"), "1234.56");
    EXPECT_EQ(ParseDecimalFr("1\xC2\xA0"
                             "234,56"),
              "1234.56");  // NBSP
    EXPECT_EQ(ParseDecimalFr("1\xE2\x80\xAF"
                             "234,56"),
              "1234.56");  // narrow NBSP
    EXPECT_EQ(ParseDecimalFr("1.234,56"), "1234.56");
    EXPECT_EQ(ParseDecimalFr("1 234 567,5"), "1234567.5");
    EXPECT_EQ(ParseDecimalFr("-0,5"), "-0.5");
    EXPECT_EQ(ParseDecimalFr("+3,10"), "3.10");
    EXPECT_EQ(ParseDecimalFr("12"), "12");
    EXPECT_EQ(ParseDecimalFr(" 007 "), "7");
    EXPECT_EQ(ParseDecimalFr(",5"), "0.5");
    EXPECT_EQ(ParseDecimalFr("-0,00"), "0.00");
    EXPECT_EQ(ParseDecimalFr("12.5"), "12.5");          // one '.' without comma: decimal point
    EXPECT_EQ(ParseDecimalFr("1.234.567"), "1234567");  // several: group separators
    EXPECT_EQ(ParseDecimalFr("1234,5"), "1234.5");
}

TEST(TextDecimalFr, Refused) {
    for (const char* in :
         {"", " ", "-", "12,", "1,2,3", "12 34", "1 2345,6", "1.23,4", "abc", "12a", "1e5", "--1",
          "12,5 €", "0x10", "1 234,56 7", "1'; DROP TABLE x; --"})
        EXPECT_EQ(ParseDecimalFr(in), std::nullopt) << in;
}

TEST(TextDateFr, NumericAndWrittenForms) {
    for (const char* in :
         {"23/11/2026", "23-11-2026", "23.11.2026", "2026-11-23", "23 novembre 2026",
          "23 NOVEMBRE 2026", " 23  nov. 2026 ", "lundi 23 novembre 2026"})
        EXPECT_EQ(ParseDateFr(in), "2026-11-23") << in;
    EXPECT_EQ(ParseDateFr("1er janvier 2026"), "2026-01-01");
    EXPECT_EQ(ParseDateFr("3/2/2024"), "2024-02-03");
    EXPECT_EQ(ParseDateFr("15 août 2025"), "2025-08-15");
    EXPECT_EQ(ParseDateFr("15 aout 2025"), "2025-08-15");
    EXPECT_EQ(ParseDateFr("1 février 2025"), "2025-02-01");
    EXPECT_EQ(ParseDateFr("29/02/2024"), "2024-02-29");
    EXPECT_EQ(ParseDateFr("29/02/2000"), "2000-02-29");
}

TEST(TextDateFr, Refused) {
    for (const char* in :
         {"30/02/2024", "29/02/2023", "29/02/1900", "31/04/2026", "00/01/2026", "12/13/2026",
          "23/11/26", "2026/11/23", "23-11/2026", "32 janvier 2026", "23 brumaire 2026",
          "2026-13-01", "23 novembre", "", "hier", "23/11/2026'; DROP TABLE x; --"})
        EXPECT_EQ(ParseDateFr(in), std::nullopt) << in;
}

// DaysFromCivil counts days since 1970-01-01 (H. Hinnant's algorithm), an independent
// calendar used to walk every day of 1999-2001 and 2096-2104.
long DaysFromCivil(int y, int m, int d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097L + doe - 719468;
}

TEST(TextDateFr, AgreesWithAnIndependentCalendar) {
    for (int y : {1999, 2000, 2001, 2096, 2100, 2104}) {
        for (int m = 1; m <= 12; ++m) {
            for (int d = 1; d <= 31; ++d) {
                char in[32], iso[32];
                std::snprintf(in, sizeof in, "%d/%d/%d", d, m, y);
                std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
                int next_m = m == 12 ? 1 : m + 1, next_y = m == 12 ? y + 1 : y;
                bool exists = DaysFromCivil(y, m, d) < DaysFromCivil(next_y, next_m, 1);
                auto got = ParseDateFr(in);
                if (exists) {
                    EXPECT_EQ(got, std::string(iso)) << in;
                } else {
                    EXPECT_EQ(got, std::nullopt) << in;
                }
            }
        }
    }
}

}  // namespace
}  // namespace nightjar::core::text

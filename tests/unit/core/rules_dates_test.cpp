// rules_dates_test.cpp checks date and timestamp formats: compilation errors, calendar
// validity (leap years, 2024-02-30), ISO output with fractions and offsets.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/rules/dates.hpp"

namespace nightjar::core::rules {
namespace {

// Date matches `s` against one date format.
std::optional<std::string> Date(const char* fmt, const char* s) {
    return MatchDate(CompileDateFormat(fmt, false), s, false);
}
// Ts matches `s` against one timestamp format.
std::optional<std::string> Ts(const char* fmt, const char* s) {
    return MatchDate(CompileDateFormat(fmt, true), s, true);
}

TEST(RulesDates, FormatsAreChecked) {
    EXPECT_THROW(CompileDateFormat("%Y-%m", false), InvalidArgument);
    EXPECT_THROW(CompileDateFormat("%Y-%m-%d %q", false), InvalidArgument);
    EXPECT_THROW(CompileDateFormat("%Y-%m-%d%", false), InvalidArgument);
    EXPECT_THROW(CompileDateFormat("%Y-%m-%d %Y", false), InvalidArgument);
    EXPECT_THROW(CompileDateFormat("%Y-%m-%d %H:%M", false), InvalidArgument);  // time in a date
    EXPECT_THROW(CompileDateFormat("%Y-%m-%d", true), InvalidArgument);  // no time in a timestamp
    try {
        CompileDateFormat("%d/%m/%Q", false);
        FAIL();
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("%Q"), std::string::npos) << e.what();
    }
}

TEST(RulesDates, CalendarDates) {
    EXPECT_EQ(Date("%Y-%m-%d", "2024-02-29"), "2024-02-29");
    EXPECT_EQ(Date("%d/%m/%Y", "1/2/2024"), "2024-02-01");
    EXPECT_EQ(Date("%d/%m/%Y", " 31/12/1999 "), "1999-12-31");
    EXPECT_EQ(Date("%d.%m.%Y", "01.01.2000"), "2000-01-01");
    EXPECT_EQ(Date("%Y%%%m%%%d", "2024%03%04"), "2024-03-04");
    EXPECT_FALSE(Date("%Y-%m-%d", "2024-02-30"));
    EXPECT_FALSE(Date("%Y-%m-%d", "2023-02-29"));
    EXPECT_FALSE(Date("%Y-%m-%d", "1900-02-29"));
    EXPECT_EQ(Date("%Y-%m-%d", "2000-02-29"), "2000-02-29");
    EXPECT_FALSE(Date("%Y-%m-%d", "2024-13-01"));
    EXPECT_FALSE(Date("%Y-%m-%d", "2024-00-10"));
    EXPECT_FALSE(Date("%Y-%m-%d", "0000-01-01"));
    EXPECT_FALSE(Date("%Y-%m-%d", "2024-01-01x"));
    EXPECT_FALSE(Date("%Y-%m-%d", "24-01-01"));
    EXPECT_FALSE(Date("%Y-%m-%d", "2024-1-001"));
    EXPECT_FALSE(Date("%Y-%m-%d", "'; DROP TABLE x; --"));
    EXPECT_FALSE(Date("%Y-%m-%d", ""));
}

TEST(RulesDates, Timestamps) {
    EXPECT_EQ(Ts("%Y-%m-%dT%H:%M:%S", "2024-02-29T13:05:09"), "2024-02-29T13:05:09");
    EXPECT_EQ(Ts("%Y-%m-%d %H:%M", "2024-02-29 7:05"), "2024-02-29T07:05:00");
    EXPECT_EQ(Ts("%Y-%m-%dT%H:%M:%S.%f%z", "2024-02-29T13:05:09.5Z"),
              "2024-02-29T13:05:09.500000+00:00");
    EXPECT_EQ(Ts("%Y-%m-%dT%H:%M:%S%z", "2024-02-29T13:05:09-0230"), "2024-02-29T13:05:09-02:30");
    EXPECT_EQ(Ts("%Y-%m-%dT%H:%M:%S%z", "2024-02-29T13:05:09+01"), "2024-02-29T13:05:09+01:00");
    EXPECT_FALSE(Ts("%Y-%m-%dT%H:%M:%S", "2024-02-29T24:00:00"));
    EXPECT_FALSE(Ts("%Y-%m-%dT%H:%M:%S", "2024-02-29T23:60:00"));
    EXPECT_FALSE(Ts("%Y-%m-%dT%H:%M:%S", "2024-02-29T23:59:60"));
    EXPECT_FALSE(Ts("%Y-%m-%dT%H:%M:%S%z", "2024-02-29T13:05:09+15:00"));
    EXPECT_FALSE(Ts("%Y-%m-%dT%H:%M:%S.%f", "2024-02-29T13:05:09.1234567"));
}

}  // namespace
}  // namespace nightjar::core::rules

// dates.hpp: strftime-like formats for dates and timestamps, compiled once per rule and
// matched against values, producing ISO 8601 text ("2024-02-29", "2024-02-29T13:05:00",
// with ".ffffff" and "+hh:mm" when the format reads them).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nightjar::core::rules {

// DateFormat is a compiled format: literal bytes and directives.
//   %Y four-digit year   %m month 1-2 digits  %d day 1-2 digits   %H hour 0-23
//   %M minute            %S second 0-59       %f 1-6 fraction digits
//   %z Z or ±hh[:mm]     %% a percent sign    anything else: itself
struct DateFormat {
    std::string text;
    std::vector<char> items;  // directive letter, or 0 followed by a literal in `literals`
    std::string literals;
    bool has_time = false;
};

// CompileDateFormat checks `text` (known directives; %Y %m %d present; with `timestamp`,
// also %H and %M) and compiles it; throws InvalidArgument naming the problem.
DateFormat CompileDateFormat(std::string_view text, bool timestamp);

// MatchDate matches the whole of `s` (surrounding blanks allowed) against `format` and
// returns the ISO 8601 text, or nullopt when it does not match or is no calendar date
// (2024-02-30).
std::optional<std::string> MatchDate(const DateFormat& format, std::string_view s, bool timestamp);

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"

// scalars.hpp: parsing of the typed values a `type` rule produces — integers, decimals
// with either separator, booleans — into canonical forms (dates live in dates.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nightjar::core::rules {

// TrimAscii returns `s` without leading and trailing ASCII whitespace.
std::string_view TrimAscii(std::string_view s);

// ParseInteger reads an optionally signed run of digits (surrounding blanks allowed)
// that fits in int64; "-0" is 0. Returns nullopt otherwise.
std::optional<int64_t> ParseInteger(std::string_view s);

// ParseDecimal reads [sign] digits [sep digits] with `sep` '.' or ',', optional grouping
// by `thousands` (0: none) in groups of three, surrounding blanks allowed, no exponent.
// Returns the canonical text: '-' if negative, no leading zeros, '.' as separator, the
// fractional digits as written ("-0" and "-0.00" lose their sign).
std::optional<std::string> ParseDecimal(std::string_view s, char sep, char thousands);

// ParseBoolean accepts true/false, t/f, 1/0, yes/no, y/n, oui/non (any case, blanks allowed).
std::optional<bool> ParseBoolean(std::string_view s);

// CodePoints counts the code points of UTF-8 text (continuation bytes are not counted).
size_t CodePoints(std::string_view s);

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"

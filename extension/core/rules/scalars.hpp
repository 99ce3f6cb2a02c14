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

// DecimalValue returns the double nearest to a canonical decimal (ParseDecimal's text),
// as strtod would: exactly computed when the digits fit in 15 and the fraction in 22
// (both operands of the one division are exact, and IEEE division rounds correctly),
// strtod otherwise.
double DecimalValue(const std::string& canonical);

// PlainDecimalValue returns the value of `s` when it is exactly [-]digits[.digits] (no
// blank, '+', exponent or grouping: what numeric_out writes), as DecimalValue would;
// nullopt for anything else, which the caller then parses with ParseDecimal.
std::optional<double> PlainDecimalValue(std::string_view s);

// ParseBoolean accepts true/false, t/f, 1/0, yes/no, y/n, oui/non (any case, blanks allowed).
std::optional<bool> ParseBoolean(std::string_view s);

// CodePoints counts the code points of UTF-8 text (continuation bytes are not counted).
size_t CodePoints(std::string_view s);

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"

// utf8.hpp: the small UTF-8 toolkit the transforms share (validation, decoding one code
// point, the whitespace predicate, ASCII fast paths).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nightjar::core::text {

// IsValidUtf8 says whether `s` is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF).
bool IsValidUtf8(std::string_view s);
// IsAscii says whether every byte of `s` is < 0x80.
bool IsAscii(std::string_view s);
// DecodeUtf8 reads the code point at s[i] (s must be valid UTF-8) and advances i.
char32_t DecodeUtf8(std::string_view s, size_t& i);
// AppendUtf8 appends the UTF-8 encoding of `cp` to `out`.
void AppendUtf8(char32_t cp, std::string& out);
// IsSpace says whether `cp` counts as whitespace for the transforms.
bool IsSpace(char32_t cp);
// TrimView returns `s` without leading and trailing whitespace (s must be valid UTF-8).
std::string_view TrimView(std::string_view s);
// AsciiLower returns `s` with A-Z mapped to a-z.
std::string AsciiLower(std::string_view s);
// IsDigit says whether `c` is an ASCII digit.
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace nightjar::core::text

#include "core/cpp_only.hpp"

// utf8.cpp: UTF-8 validation and decoding by hand (the transforms call them on every
// value, so they avoid ICU's UnicodeString round trip); the whitespace predicate asks
// ICU's White_Space property only for non-ASCII code points.
#include "core/text/utf8.hpp"

#include <unicode/uchar.h>

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::text {

// IsValidUtf8 checks every sequence against the well-formed table of Unicode 3.9.
bool IsValidUtf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    size_t n = s.size(), i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;  // no surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;  // <= U+10FFFF
        } else {
            return false;
        }
        if (i + len > n) return false;
        if (p[i + 1] < lo || p[i + 1] > hi) return false;
        for (size_t k = 2; k < len; ++k)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
        i += len;
    }
    return true;
}

// IsAscii scans for a byte with the high bit set.
bool IsAscii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

// DecodeUtf8 decodes one code point of valid UTF-8.
char32_t DecodeUtf8(std::string_view s, size_t& i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = b(0);
    char32_t cp;
    if (c < 0x80) {
        cp = c;
        i += 1;
    } else if (c < 0xE0) {
        cp = ((c & 0x1F) << 6) | (b(1) & 0x3F);
        i += 2;
    } else if (c < 0xF0) {
        cp = ((c & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        i += 3;
    } else {
        cp = ((c & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
        i += 4;
    }
    return cp;
}

// AppendUtf8 encodes one code point.
void AppendUtf8(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// IsSpace is Unicode White_Space plus U+200B (zero-width space) and U+FEFF (BOM).
bool IsSpace(char32_t cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    if (cp == 0x200B || cp == 0xFEFF) return true;
    return u_isUWhiteSpace(static_cast<UChar32>(cp));
}

// TrimView drops whitespace code points at both ends.
std::string_view TrimView(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        size_t next = i;
        if (!IsSpace(DecodeUtf8(s, next))) break;
        i = next;
    }
    size_t end = s.size();
    while (end > i) {
        size_t start = end - 1;
        while (start > i && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
        size_t probe = start;
        if (!IsSpace(DecodeUtf8(s, probe))) break;
        end = start;
    }
    return s.substr(i, end - i);
}

// AsciiLower lower-cases ASCII letters only.
std::string AsciiLower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace nightjar::core::text

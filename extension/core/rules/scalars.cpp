// scalars.cpp: hand-written scanners for integers, decimals and booleans. Each runs in
// one pass over the bytes without allocation (except the canonical decimal text), and
// never consults the locale: "1,5" is a decimal only where the rule says ',' is the
// separator.
#include "core/rules/scalars.hpp"

#include <cctype>
#include <cstdlib>
#include <cstring>

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::rules {

namespace {

// IsBlank says whether `c` is ASCII whitespace.
bool IsBlank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// IsDigit says whether `c` is an ASCII digit.
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string_view TrimAscii(std::string_view s) {
    while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
    while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
    return s;
}

std::optional<int64_t> ParseInteger(std::string_view s) {
    s = TrimAscii(s);
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s.empty()) return std::nullopt;
    uint64_t v = 0;
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    for (char c : s) {
        if (!IsDigit(c)) return std::nullopt;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (limit - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    if (negative) return v == (uint64_t{1} << 63) ? INT64_MIN : -static_cast<int64_t>(v);
    return static_cast<int64_t>(v);
}

std::optional<std::string> ParseDecimal(std::string_view s, char sep, char thousands) {
    // One pass checks the shape and finds the digits; the canonical text is then written
    // into one string of the right size (the digits were copied into three before).
    s = TrimAscii(s);
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    size_t i = 0, group = 0, int_digits = 0, first_nonzero = std::string_view::npos;
    bool grouped = false;
    for (; i < s.size() && s[i] != sep; ++i) {
        char c = s[i];
        if (IsDigit(c)) {
            if (c != '0' && first_nonzero == std::string_view::npos) first_nonzero = i;
            ++int_digits;
            ++group;
        } else if (thousands != 0 && c == thousands) {
            // A group mark follows 1-3 digits (first group) or exactly 3, and precedes 3.
            if (group == 0 || group > 3 || (grouped && group != 3)) return std::nullopt;
            grouped = true;
            group = 0;
        } else {
            return std::nullopt;
        }
    }
    if (grouped && group != 3) return std::nullopt;
    std::string_view fraction;
    bool fraction_zero = true;
    if (i < s.size()) {  // s[i] == sep
        fraction = s.substr(i + 1);
        if (fraction.empty()) return std::nullopt;
        for (char c : fraction) {
            if (!IsDigit(c)) return std::nullopt;
            fraction_zero = fraction_zero && c == '0';
        }
    }
    if (int_digits == 0 && fraction.empty()) return std::nullopt;
    const bool zero = first_nonzero == std::string_view::npos && fraction_zero;
    std::string out;
    out.reserve(s.size() + 2);
    if (negative && !zero) out.push_back('-');
    if (first_nonzero == std::string_view::npos) {
        out.push_back('0');
    } else {
        for (size_t k = first_nonzero; k < i; ++k)
            if (IsDigit(s[k])) out.push_back(s[k]);  // group marks left out
    }
    if (!fraction.empty()) {
        out.push_back('.');
        out.append(fraction);
    }
    return out;
}

std::optional<double> PlainDecimalValue(std::string_view s) {
    static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const std::string_view whole = s;
    const bool negative = !s.empty() && s[0] == '-';
    if (negative) s.remove_prefix(1);
    uint64_t mantissa = 0;
    int digits = 0, fraction = -1;  // fraction: digits after '.' (to the last non-zero one)
    int zeros = 0;                  // zeros after '.' not yet in the mantissa
    bool exact = true;              // at most 15 significant digits and 22 after '.'
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '.' && fraction < 0 && i > 0 && i + 1 < s.size()) {
            fraction = 0;
            continue;
        }
        if (!IsDigit(c)) return std::nullopt;
        if (fraction >= 0) {
            // Trailing zeros of the fraction change nothing ("79.19000000" is 79.19):
            // they join the mantissa only when a non-zero digit follows them.
            if (c == '0') {
                ++zeros;
                continue;
            }
            fraction += zeros + 1;
        } else if (mantissa == 0 && c == '0') {
            continue;  // leading zeros are not significant
        }
        for (; zeros >= 0; --zeros) {  // the pending zeros, then this digit
            if (mantissa == 0 && zeros > 0) continue;
            if (++digits > 15) exact = false;
            if (exact) mantissa = mantissa * 10 + (zeros > 0 ? 0 : static_cast<uint64_t>(c - '0'));
        }
        zeros = 0;
    }
    if (s.empty()) return std::nullopt;
    if (!exact || fraction > 22) return std::strtod(std::string(whole).c_str(), nullptr);
    double d = static_cast<double>(mantissa);  // exact: below 10^15 < 2^53
    if (fraction > 0) d /= kPow10[fraction];
    return negative ? -d : d;
}

double DecimalValue(const std::string& canonical) {
    std::optional<double> d = PlainDecimalValue(canonical);
    return d ? *d : std::strtod(canonical.c_str(), nullptr);
}

std::optional<bool> ParseBoolean(std::string_view s) {
    s = TrimAscii(s);
    if (s.size() > 5) return std::nullopt;
    char low[6] = {0};
    for (size_t i = 0; i < s.size(); ++i)
        low[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    static const char* const kTrue[] = {"true", "t", "1", "yes", "y", "oui"};
    static const char* const kFalse[] = {"false", "f", "0", "no", "n", "non"};
    for (const char* w : kTrue)
        if (std::strcmp(low, w) == 0) return true;
    for (const char* w : kFalse)
        if (std::strcmp(low, w) == 0) return false;
    return std::nullopt;
}

size_t CodePoints(std::string_view s) {
    size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

}  // namespace nightjar::core::rules

// parse_fr.cpp: numbers and dates as French people write them.
//
// ParseDecimalFr: optional sign, integer digits grouped by whitespace (NBSP, narrow NBSP
// included) or '.' in groups of three, optional ',' and fraction digits. Without a comma
// a single '.' is a decimal point ("12.5"), several '.' are group separators ("1.234.567").
// The result is canonical decimal text for a JSON number / PostgreSQL numeric: no group
// separators, '.' decimal point, leading zeros removed, fraction digits kept as written;
// more than kMaxDecimalDigits digits is unusable (no real amount has them, and a hostile
// megabyte of digits would otherwise overflow numeric and fail the whole batch).
// ParseDateFr: D/M/YYYY with '/', '-' or '.' separators, ISO YYYY-MM-DD, and
// "[weekday] D[er] <month name> YYYY" with full French month names, with or without
// accents, in any case, and the usual abbreviations ("janv.", "févr.", "sept."). The date
// must exist in the proleptic Gregorian calendar, years 1000–9999.
#include <array>
#include <cstdio>

#include "core/text/transforms.hpp"
#include "core/text/utf8.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::text {
namespace {

// DaysInMonth returns the length of month `m` of year `y`.
int DaysInMonth(int y, int m) {
    static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

// IsoDate formats a checked date, or nullopt when it does not exist.
Cleaned IsoDate(int y, int m, int d) {
    if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m))
        return std::nullopt;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return std::string(buf);
}

// ReadInt reads 1..max_len ASCII digits at s[i], advancing i; -1 when there are none.
int ReadInt(std::string_view s, size_t& i, size_t max_len) {
    size_t start = i;
    int v = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < max_len) v = v * 10 + (s[i++] - '0');
    if (i == start || (i < s.size() && IsDigit(s[i]))) return -1;
    return v;
}

// MonthNumber maps an unaccented, lower-case French month name or abbreviation to 1..12.
int MonthNumber(std::string_view w) {
    if (!w.empty() && w.back() == '.') w.remove_suffix(1);
    static constexpr std::array<std::array<const char*, 3>, 12> kNames{{
        {"janvier", "janv", "jan"},
        {"fevrier", "fevr", "fev"},
        {"mars", "mar", "mars"},
        {"avril", "avr", "avr"},
        {"mai", "mai", "mai"},
        {"juin", "juin", "juin"},
        {"juillet", "juil", "juil"},
        {"aout", "aout", "aou"},
        {"septembre", "sept", "sep"},
        {"octobre", "oct", "oct"},
        {"novembre", "nov", "nov"},
        {"decembre", "dec", "dec"},
    }};
    for (size_t m = 0; m < kNames.size(); ++m)
        for (const char* name : kNames[m])
            if (w == name) return static_cast<int>(m) + 1;
    return 0;
}

// IsWeekday says whether `w` is an unaccented, lower-case French weekday name.
bool IsWeekday(std::string_view w) {
    for (const char* d : {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"})
        if (w == d) return true;
    return false;
}

// ParseWrittenDate reads "[weekday] D[er] month YYYY" from collapsed, unaccented lower text.
Cleaned ParseWrittenDate(std::string_view s) {
    std::array<std::string_view, 5> words;
    size_t n = 0, start = 0;
    while (start <= s.size() && n < words.size()) {
        size_t end = s.find(' ', start);
        words[n++] = s.substr(start, end == std::string_view::npos ? end : end - start);
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    if (n == 5 || n < 3) return std::nullopt;
    size_t k = 0;
    if (n == 4) {
        if (!IsWeekday(words[0])) return std::nullopt;
        k = 1;
    }
    std::string_view day = words[k];
    if (day.size() > 2 && day.substr(day.size() - 2) == "er") day.remove_suffix(2);
    size_t i = 0, j = 0;
    int d = ReadInt(day, i, 2);
    int y = ReadInt(words[k + 2], j, 4);
    if (d < 0 || y < 0 || i != day.size() || j != words[k + 2].size()) return std::nullopt;
    return IsoDate(y, MonthNumber(words[k + 1]), d);
}

}  // namespace

// ParseDecimalFr scans sign, grouped integer digits and a comma fraction (see above).
Cleaned ParseDecimalFr(std::string_view in) {
    if (!IsValidUtf8(in)) return std::nullopt;
    std::string_view s = TrimView(in);
    std::string out;
    size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
        if (s[i] == '-') out += '-';
        ++i;
    }
    bool has_comma = s.find(',') != std::string_view::npos;
    size_t dots = 0;
    for (char c : s) dots += c == '.';
    bool dot_is_point = !has_comma && dots == 1;
    std::string int_digits, frac_digits;
    size_t group_len = 0, groups = 0;  // digits since the last group separator
    bool in_fraction = false, seen_separator = false;
    while (i < s.size()) {
        char c = s[i];
        if (IsDigit(c)) {
            (in_fraction ? frac_digits : int_digits) += c;
            ++group_len;
            ++i;
            continue;
        }
        if (in_fraction) return std::nullopt;
        if (c == ',' || (c == '.' && dot_is_point)) {
            if (seen_separator && group_len != 3) return std::nullopt;
            in_fraction = true;
            ++i;
            continue;
        }
        size_t next = i;
        char32_t cp = DecodeUtf8(s, next);
        if (!(IsSpace(cp) || cp == '.' || cp == '\'')) return std::nullopt;
        // A group separator: the group before it has 1-3 digits (3 unless it is the first).
        if (group_len == 0 || group_len > 3 || (groups > 0 && group_len != 3)) return std::nullopt;
        ++groups;
        seen_separator = true;
        group_len = 0;
        i = next;
    }
    if (in_fraction && frac_digits.empty()) return std::nullopt;
    if (!in_fraction && seen_separator && group_len != 3) return std::nullopt;
    if (int_digits.empty() && frac_digits.empty()) return std::nullopt;
    size_t nz = int_digits.find_first_not_of('0');
    int_digits = nz == std::string::npos ? "0" : int_digits.substr(nz);
    if (int_digits.size() + frac_digits.size() > kMaxDecimalDigits) return std::nullopt;
    bool zero = int_digits == "0" && frac_digits.find_first_not_of('0') == std::string::npos;
    if (zero && !out.empty()) out.clear();  // "-0" and "-0,00" are zero
    out += int_digits;
    if (!frac_digits.empty()) out += "." + frac_digits;
    return out;
}

// ParseDateFr tries the numeric forms, then the written form.
Cleaned ParseDateFr(std::string_view in) {
    auto collapsed = CollapseSpaces(in);
    if (!collapsed || collapsed->empty()) return std::nullopt;
    const std::string& s = *collapsed;
    if (s.size() > 64) return std::nullopt;  // no date is written in more than 64 bytes
    size_t i = 0;
    int a = ReadInt(s, i, 4);
    if (a >= 0 && i < s.size() && (s[i] == '/' || s[i] == '-' || s[i] == '.')) {
        char sep = s[i];
        size_t first_len = i;
        int b = ReadInt(s, ++i, 2);
        if (b < 0 || i >= s.size() || s[i] != sep) return std::nullopt;
        int c = ReadInt(s, ++i, 4);
        size_t last_len = i - (s.rfind(sep) + 1);
        if (c < 0 || i != s.size()) return std::nullopt;
        if (first_len == 4 && sep == '-') return IsoDate(a, b, c);     // 2026-11-23
        if (first_len <= 2 && last_len == 4) return IsoDate(c, b, a);  // 23/11/2026
        return std::nullopt;
    }
    auto lower = Lower(s);
    auto plain = lower ? Unaccent(*lower) : std::nullopt;
    if (!plain) return std::nullopt;
    return ParseWrittenDate(*plain);
}

}  // namespace nightjar::core::text

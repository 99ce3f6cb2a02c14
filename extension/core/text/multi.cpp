// multi.cpp: transforms over several fields — address splitting, points from latitude and
// longitude — and the stable record key.
//
// SplitAddress takes the LAST standalone 5-digit group as the postcode (house numbers
// and "BP 12345" come before it in French addresses), the text before it as the street
// and the text after it as the city, each trimmed of whitespace and commas. O(n).
#include <cstdlib>

#include "core/text/transforms.hpp"
#include "core/text/utf8.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::text {
namespace {

// TrimCommas removes surrounding whitespace and commas.
std::string TrimCommas(std::string_view s) {
    while (true) {
        std::string_view t = TrimView(s);
        while (!t.empty() && (t.front() == ',' || t.front() == ';')) t.remove_prefix(1);
        while (!t.empty() && (t.back() == ',' || t.back() == ';')) t.remove_suffix(1);
        if (t.size() == s.size()) return std::string(t);
        s = t;
    }
}

// Coordinate parses a French or international decimal within [-limit, limit].
std::optional<std::string> Coordinate(std::string_view in, double limit) {
    auto text = ParseDecimalFr(in);
    if (!text || text->size() > 40) return std::nullopt;
    double v = std::strtod(text->c_str(), nullptr);
    if (v < -limit || v > limit) return std::nullopt;
    return text;
}

}  // namespace

// SplitAddress splits at the last standalone 5-digit group; nullopt when there is none.
std::optional<Address> SplitAddress(std::string_view in) {
    auto collapsed = CollapseSpaces(in);
    if (!collapsed) return std::nullopt;
    const std::string& s = *collapsed;
    for (size_t end = s.size(); end >= 5; --end) {
        size_t start = end - 5;
        bool digits = true;
        for (size_t k = start; k < end && digits; ++k) digits = IsDigit(s[k]);
        if (!digits) continue;
        if ((start > 0 && IsDigit(s[start - 1])) || (end < s.size() && IsDigit(s[end]))) continue;
        Address a{TrimCommas(std::string_view(s).substr(0, start)), s.substr(start, 5),
                  TrimCommas(std::string_view(s).substr(end))};
        return a;
    }
    return std::nullopt;
}

// MakePoint formats "(lon,lat)" from two coordinates (decimal comma accepted).
Cleaned MakePoint(std::string_view lat, std::string_view lon) {
    auto la = Coordinate(lat, 90.0), lo = Coordinate(lon, 180.0);
    if (!la || !lo) return std::nullopt;
    return "(" + *lo + "," + *la + ")";
}

// RecordKey lower-cases and unaccents the source code, turns each run of characters
// other than ASCII letters and digits into one '_' (none at the ends), and appends '_'
// and the trimmed id. Empty code or id, or a key over kMaxRecordKeyBytes (it could not be
// indexed: one such record would fail the whole batch's upsert): nullopt.
Cleaned RecordKey(std::string_view source_code, std::string_view id) {
    auto lower = Lower(source_code);
    auto plain = lower ? Unaccent(*lower) : std::nullopt;
    if (!plain || !IsValidUtf8(id)) return std::nullopt;
    std::string key;
    bool pending = false;
    for (char c : *plain) {
        bool alnum = IsDigit(c) || (c >= 'a' && c <= 'z');
        if (!alnum) {
            pending = !key.empty();
            continue;
        }
        if (pending) key += '_';
        pending = false;
        key += c;
    }
    std::string_view trimmed_id = TrimView(id);
    if (key.empty() || trimmed_id.empty() ||
        key.size() + 1 + trimmed_id.size() > kMaxRecordKeyBytes)
        return std::nullopt;
    return key + "_" + std::string(trimmed_id);
}

}  // namespace nightjar::core::text

// identifiers.cpp: French identifiers and phone numbers — SIREN/SIRET (Luhn, La Poste
// exception), postcodes, and phone numbers to E.164.
//
// Each cleaner first drops the separators people type (whitespace of any kind, '.', '-',
// and for phones '/', '(' and ')'), then checks the remaining characters are digits of
// the expected count. Any other character makes the value unusable: nothing is guessed
// from letters. O(n) in the input, no allocation beyond the result.
#include <array>
#include <cstring>

#include "core/text/transforms.hpp"
#include "core/text/utf8.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::text {
namespace {

// DigitsOnly returns the digits of `in` after dropping whitespace and the `separators`;
// nullopt when another character (or invalid UTF-8) is present.
std::optional<std::string> DigitsOnly(std::string_view in, const char* separators) {
    if (!IsValidUtf8(in)) return std::nullopt;
    std::string digits;
    for (size_t i = 0; i < in.size();) {
        char32_t cp = DecodeUtf8(in, i);
        if (cp < 0x80 && IsDigit(static_cast<char>(cp))) {
            digits += static_cast<char>(cp);
        } else if (IsSpace(cp) ||
                   (cp < 0x80 && cp != 0 && std::strchr(separators, static_cast<int>(cp)))) {
            continue;
        } else {
            return std::nullopt;
        }
    }
    return digits;
}

// LuhnValid applies the Luhn checksum (every second digit from the right doubled).
bool LuhnValid(std::string_view digits) {
    int sum = 0;
    bool twice = false;
    for (size_t k = digits.size(); k-- > 0;) {
        int d = digits[k] - '0';
        if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

// AllZero says whether every digit is '0' (Luhn-valid but never a real identifier).
bool AllZero(std::string_view digits) {
    return digits.find_first_not_of('0') == std::string_view::npos;
}

struct PhoneCountry {
    const char* iso2;
    const char* code;
    bool keeps_trunk_zero;  // Italy dials the leading 0 after the country code
};
constexpr std::array<PhoneCountry, 9> kPhoneCountries{{{"FR", "33", false},
                                                       {"BE", "32", false},
                                                       {"CH", "41", false},
                                                       {"LU", "352", false},
                                                       {"DE", "49", false},
                                                       {"ES", "34", false},
                                                       {"IT", "39", true},
                                                       {"GB", "44", false},
                                                       {"NL", "31", false}}};

// FindPhoneCountry looks an ISO code up (case-insensitively) in kPhoneCountries.
const PhoneCountry* FindPhoneCountry(std::string_view iso2) {
    std::string upper(iso2);
    for (char& c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    for (const auto& c : kPhoneCountries)
        if (upper == c.iso2) return &c;
    return nullptr;
}

// FrenchNational returns "+33" + the 9 significant digits, or nullopt.
Cleaned FrenchNational(std::string_view nine) {
    if (nine.size() != 9 || nine[0] == '0') return std::nullopt;
    return "+33" + std::string(nine);
}

}  // namespace

// KnownPhoneCountry says whether `iso2` is in the calling-code table.
bool KnownPhoneCountry(std::string_view iso2) { return FindPhoneCountry(iso2) != nullptr; }

// CleanPhone normalises to E.164: '+' or '00' starts an international number, otherwise
// the number is national in `default_country` (its trunk '0' replaced by the country code).
Cleaned CleanPhone(std::string_view in, std::string_view default_country) {
    const PhoneCountry* country = FindPhoneCountry(default_country);
    if (country == nullptr || !IsValidUtf8(in)) return std::nullopt;
    std::string_view s = TrimView(in);
    bool international = false;
    if (!s.empty() && s[0] == '+') {
        international = true;
        s.remove_prefix(1);
    }
    std::string cleaned(s);
    // "(0)" marks the trunk prefix: dialled nationally, skipped after a country code.
    for (size_t pos; (pos = cleaned.find("(0)")) != std::string::npos;)
        cleaned.replace(pos, 3, international ? "" : "0");
    auto digits = DigitsOnly(cleaned, ".-/()");
    if (!digits || digits->empty()) return std::nullopt;
    std::string d = *digits;
    if (!international && d.size() > 2 && d.compare(0, 2, "00") == 0) {
        international = true;
        d.erase(0, 2);
    }
    if (!international) {
        if (std::strcmp(country->code, "33") == 0) {
            if (d.size() != 10 || d[0] != '0') return std::nullopt;
            return FrenchNational(std::string_view(d).substr(1));
        }
        if (d[0] != '0') return std::nullopt;
        if (!country->keeps_trunk_zero) d.erase(0, 1);
        d = country->code + d;
    }
    if (d.compare(0, 2, "33") == 0) {
        std::string_view national = std::string_view(d).substr(2);
        if (!national.empty() && national[0] == '0') national.remove_prefix(1);  // +33 (0)1 …
        return FrenchNational(national);
    }
    if (d[0] == '0' || d.size() < 8 || d.size() > 15) return std::nullopt;
    return "+" + d;
}

// CleanSiren keeps 9 digits (spaces, '.', '-' dropped) that pass Luhn and are not all zero.
Cleaned CleanSiren(std::string_view in) {
    auto d = DigitsOnly(in, ".-");
    if (!d || d->size() != 9 || AllZero(*d) || !LuhnValid(*d)) return std::nullopt;
    return d;
}

// CleanSiret keeps 14 digits that pass Luhn — or, for La Poste (SIREN 356000000), whose
// establishment numbers do not, whose digit sum is a multiple of 5.
Cleaned CleanSiret(std::string_view in) {
    auto d = DigitsOnly(in, ".-");
    if (!d || d->size() != 14 || AllZero(*d)) return std::nullopt;
    if (LuhnValid(*d)) return d;
    if (d->compare(0, 9, "356000000") == 0) {
        int sum = 0;
        for (char c : *d) sum += c - '0';
        if (sum % 5 == 0) return d;
    }
    return std::nullopt;
}

// CleanPostcode keeps 5 digits (4 are left-padded with '0') whose department part is
// 01–98; Corsican INSEE codes such as "2A004" are not postcodes and are refused.
Cleaned CleanPostcode(std::string_view in) {
    auto d = DigitsOnly(in, "");
    if (!d) return std::nullopt;
    if (d->size() == 4) d->insert(0, "0");
    if (d->size() != 5) return std::nullopt;
    if (d->compare(0, 2, "00") == 0 || d->compare(0, 2, "99") == 0) return std::nullopt;
    return d;
}

}  // namespace nightjar::core::text

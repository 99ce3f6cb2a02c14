// transforms.hpp: the library of single-value normalisation transforms.
//
// Every transform is a pure function from a UTF-8 string (plus parameters) to
// std::optional<std::string>: std::nullopt means "this value is unusable" (the field
// becomes JSON null and the Normalizer counts it as nulled for that transform).
// Common rules, documented in docs/rules.md (## Normalisation):
//  - Input that is not valid UTF-8 is unusable: every transform returns nullopt for it
//    (nothing is repaired with U+FFFD: a repaired value would look clean and be wrong).
//  - "Whitespace" is the Unicode White_Space property (includes NBSP U+00A0, narrow NBSP
//    U+202F, figure space U+2007) plus zero-width space U+200B and BOM U+FEFF.
//  - The text transforms (Trim, Lower, Upper, Unaccent, CollapseSpaces) keep an empty
//    string empty; the cleaners (phone, e-mail, ...) return nullopt for it.
// No transform allocates beyond the size of its input times a small constant; none
// throws on data (only on bad parameters: core::InvalidArgument).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nightjar::core::text {

using Cleaned = std::optional<std::string>;

// Trim removes leading and trailing whitespace.
Cleaned Trim(std::string_view in);
// Lower maps to lower case with ICU's full, locale-independent (root) case mapping.
Cleaned Lower(std::string_view in);
// Upper maps to upper case with ICU's full, locale-independent case mapping (ß → SS).
Cleaned Upper(std::string_view in);
// Unaccent removes diacritics (NFD, drop nonspacing marks, NFC) and expands ligatures.
Cleaned Unaccent(std::string_view in);
// CollapseSpaces turns every run of whitespace into one ASCII space and trims.
Cleaned CollapseSpaces(std::string_view in);

// CleanPhone returns the E.164 form (+digits) of a phone number, national numbers being
// read in `default_country` (ISO 3166 alpha-2, see KnownPhoneCountry).
Cleaned CleanPhone(std::string_view in, std::string_view default_country = "FR");
// KnownPhoneCountry says whether CleanPhone knows the country code `iso2`.
bool KnownPhoneCountry(std::string_view iso2);
// CleanEmail returns the trimmed, lower-cased address without "mailto:", if plausible.
Cleaned CleanEmail(std::string_view in);
// CleanUrl returns an absolute http(s)/ftp URL with lower-case scheme and host.
Cleaned CleanUrl(std::string_view in);
// CleanSiren returns the 9 digits of a Luhn-valid SIREN.
Cleaned CleanSiren(std::string_view in);
// CleanSiret returns the 14 digits of a valid SIRET (Luhn, or the La Poste rule).
Cleaned CleanSiret(std::string_view in);
// CleanPostcode returns a French 5-digit postcode.
Cleaned CleanPostcode(std::string_view in);
// kMaxDecimalDigits bounds the digits ParseDecimalFr accepts (integer + fraction part).
constexpr size_t kMaxDecimalDigits = 1000;
// ParseDecimalFr returns the canonical decimal text ("-1234.56") of a French number.
Cleaned ParseDecimalFr(std::string_view in);
// ParseDateFr returns the ISO date (YYYY-MM-DD) of a French-written calendar date.
Cleaned ParseDateFr(std::string_view in);

// Address is the result of SplitAddress.
struct Address {
    std::string street, postcode, city;
};
// SplitAddress splits "12 rue de la Paix 75002 Paris" at its last 5-digit group.
std::optional<Address> SplitAddress(std::string_view in);
// MakePoint returns "(lon,lat)" (PostgreSQL point text) for a valid latitude/longitude.
Cleaned MakePoint(std::string_view lat, std::string_view lon);
// kMaxRecordKeyBytes bounds a record key: longer ones would not fit a btree index entry.
constexpr size_t kMaxRecordKeyBytes = 1024;
// RecordKey returns lower(unaccent(code)) with non-alphanumerics as '_', '_', trimmed id
// (nullopt when either part is empty or the key exceeds kMaxRecordKeyBytes).
Cleaned RecordKey(std::string_view source_code, std::string_view id);

}  // namespace nightjar::core::text

#include "core/cpp_only.hpp"

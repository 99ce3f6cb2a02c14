// case_accents.cpp: Trim, Lower, Upper, Unaccent and CollapseSpaces.
//
// ASCII input (the common case in French data is mostly ASCII) takes byte loops; anything
// else goes through ICU: root-locale full case mapping (so Turkish dotless i rules never
// apply), and for Unaccent the transliterator "NFD; [:Nonspacing Mark:] Remove; NFC"
// after expanding the letters that have no decomposition (œ→oe, æ→ae, ß→ss, ø→o, ł→l,
// đ→d and their capitals). Creating an ICU Transliterator costs ~1 ms (it compiles rule
// sets), so one instance is created lazily per thread and reused for the thread's life.
// Long inputs are transliterated in pieces cut before ASCII characters (see Unaccent):
// linear time, except for one long run without any ASCII character.
#include <unicode/locid.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>

#include "core/errors.hpp"
#include "core/text/transforms.hpp"
#include "core/text/utf8.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::text {
namespace {

// FromUtf8 converts valid UTF-8 to an ICU string.
icu::UnicodeString FromUtf8(std::string_view s) {
    return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

// ToUtf8 converts an ICU string back to UTF-8.
std::string ToUtf8(const icu::UnicodeString& u) {
    std::string out;
    u.toUTF8String(out);
    return out;
}

// AccentRemover returns this thread's transliterator, creating it on first use.
icu::Transliterator& AccentRemover() {
    thread_local std::unique_ptr<icu::Transliterator> instance;
    if (!instance) {
        UErrorCode status = U_ZERO_ERROR;
        instance.reset(icu::Transliterator::createInstance("NFD; [:Nonspacing Mark:] Remove; NFC",
                                                           UTRANS_FORWARD, status));
        if (U_FAILURE(status) || !instance)
            throw DataError(std::string("cannot create the ICU unaccent transliterator: ") +
                            u_errorName(status));
    }
    return *instance;
}

// ExpandLetter returns the ASCII expansion of a letter without decomposition, or null.
const char* ExpandLetter(char32_t cp) {
    switch (cp) {
        case 0x0153:
            return "oe";  // œ
        case 0x0152:
            return "OE";  // Œ
        case 0x00E6:
            return "ae";  // æ
        case 0x00C6:
            return "AE";  // Æ
        case 0x00DF:
            return "ss";  // ß
        case 0x1E9E:
            return "SS";  // ẞ
        case 0x00F8:
            return "o";  // ø
        case 0x00D8:
            return "O";  // Ø
        case 0x0142:
            return "l";  // ł
        case 0x0141:
            return "L";  // Ł
        case 0x0111:
            return "d";  // đ
        case 0x0110:
            return "D";  // Đ
        default:
            return nullptr;
    }
}

}  // namespace

// Trim returns the value without surrounding whitespace.
Cleaned Trim(std::string_view in) {
    if (!IsValidUtf8(in)) return std::nullopt;
    return std::string(TrimView(in));
}

// Lower uses the ASCII loop or ICU's root-locale full lower-casing.
Cleaned Lower(std::string_view in) {
    if (IsAscii(in)) return AsciiLower(in);
    if (!IsValidUtf8(in)) return std::nullopt;
    icu::UnicodeString u = FromUtf8(in);
    u.toLower(icu::Locale::getRoot());
    return ToUtf8(u);
}

// Upper uses the ASCII loop or ICU's root-locale full upper-casing.
Cleaned Upper(std::string_view in) {
    if (IsAscii(in)) {
        std::string out(in);
        for (char& c : out)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        return out;
    }
    if (!IsValidUtf8(in)) return std::nullopt;
    icu::UnicodeString u = FromUtf8(in);
    u.toUpper(icu::Locale::getRoot());
    return ToUtf8(u);
}

// Unaccent expands ligatures, then removes combining marks with the thread's transliterator.
Cleaned Unaccent(std::string_view in) {
    if (IsAscii(in)) return std::string(in);
    if (!IsValidUtf8(in)) return std::nullopt;
    std::string expanded;
    expanded.reserve(in.size());
    for (size_t i = 0; i < in.size();) {
        char32_t cp = DecodeUtf8(in, i);
        if (const char* e = ExpandLetter(cp)) {
            expanded += e;
        } else {
            AppendUtf8(cp, expanded);
        }
    }
    // ICU removes marks one by one from a UnicodeString, shifting the rest each time: on a
    // long string that is quadratic. Cutting the text into ~4 KB pieces just before an ASCII
    // character keeps it linear and changes nothing: an ASCII character never combines
    // with what precedes it, so NFD/NFC of the pieces equals NFD/NFC of the whole.
    icu::Transliterator& remover = AccentRemover();
    std::string out;
    out.reserve(expanded.size());
    for (size_t start = 0; start < expanded.size();) {
        size_t end = std::min(start + 4096, expanded.size());
        while (end < expanded.size() && static_cast<unsigned char>(expanded[end]) >= 0x80) ++end;
        icu::UnicodeString u = FromUtf8(std::string_view(expanded).substr(start, end - start));
        remover.transliterate(u);
        u.toUTF8String(out);  // appends
        start = end;
    }
    return out;
}

// CollapseSpaces writes one ' ' for every inner whitespace run and drops the outer ones.
Cleaned CollapseSpaces(std::string_view in) {
    if (!IsValidUtf8(in)) return std::nullopt;
    std::string out;
    out.reserve(in.size());
    bool pending_space = false;
    for (size_t i = 0; i < in.size();) {
        size_t start = i;
        char32_t cp = DecodeUtf8(in, i);
        if (IsSpace(cp)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out.append(in.data() + start, i - start);
    }
    return out;
}

}  // namespace nightjar::core::text

// normalize.cpp: comparison forms of names, addresses, codes and free text.
//
// One pass folds case and accents (ASCII bytes directly; other text through the core's
// ICU transforms Lower and Unaccent), turns punctuation into spaces and collapses them;
// a second pass maps each token through a small table of French and English abbreviations
// and legal forms (names drop "sarl", "sas", "inc", "ltd" ...; "st" -> "saint", "cie" ->
// "compagnie", "et"/"&" -> "and"). Linear in the input; the tables are small arrays
// searched linearly. Names spell the word "Sté" out as "societe" before folding: once the
// accent is gone it would read as "ste", French "sainte". What it trades: "st" always reads
// as French "saint" (never English "street"), and a two-letter legal form ("sa") is
// dropped even when it was a word.
#include "core/resolve/normalize.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/resolve/resolver.hpp"
#include "core/text/transforms.hpp"
#include "core/text/utf8.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

using Abbrev = std::pair<const char*, const char*>;  // token -> replacement ("" drops it)

// kNameAbbrevs maps name tokens.
constexpr Abbrev kNameAbbrevs[] = {
    {"and", "and"},
    {"assoc", "association"},
    {"bros", "brothers"},
    {"cie", "compagnie"},
    {"co", "company"},
    {"corp", ""},
    {"corporation", ""},
    {"earl", ""},
    {"et", "and"},
    {"etablissement", "etablissements"},
    {"etbs", "etablissements"},
    {"ets", "etablissements"},
    {"eurl", ""},
    {"gaec", ""},
    {"gmbh", ""},
    {"inc", ""},
    {"incorporated", ""},
    {"intl", "international"},
    {"limited", ""},
    {"llc", ""},
    {"ltd", ""},
    {"mlle", ""},
    {"mme", ""},
    {"mr", ""},
    {"mrs", ""},
    {"ms", ""},
    {"plc", ""},
    {"sa", ""},
    {"sarl", ""},
    {"sas", ""},
    {"sasu", ""},
    {"sca", ""},
    {"sci", ""},
    {"scop", ""},
    {"selarl", ""},
    {"snc", ""},
    {"soc", "societe"},
    {"st", "saint"},
    {"ste", "sainte"},
    {"sts", "saints"},
};

// kAddressAbbrevs maps address tokens.
constexpr Abbrev kAddressAbbrevs[] = {
    {"all", "allee"},
    {"av", "avenue"},
    {"ave", "avenue"},
    {"bd", "boulevard"},
    {"bld", "boulevard"},
    {"blvd", "boulevard"},
    {"boul", "boulevard"},
    {"ch", "chemin"},
    {"chem", "chemin"},
    {"crs", "cours"},
    {"fbg", "faubourg"},
    {"imp", "impasse"},
    {"lot", "lotissement"},
    {"n", ""},
    {"no", ""},
    {"pass", "passage"},
    {"pl", "place"},
    {"qu", "quai"},
    {"r", "rue"},
    {"res", "residence"},
    {"rte", "route"},
    {"sq", "square"},
    {"st", "saint"},
    {"ste", "sainte"},
    {"zac", "zac"},
    {"za", "za"},
    {"zi", "zi"},
    {"et", "and"},
};

// Lookup finds `token` in an abbreviation table (linear: the tables are tiny).
template <size_t N>
const char* Lookup(const Abbrev (&table)[N], std::string_view token) {
    for (const auto& [from, to] : table)
        if (token == from) return to;
    return nullptr;
}

// IsAlnum says whether an ASCII byte is a letter or digit.
bool IsAlnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// FoldAscii lower-cases ASCII text, maps punctuation to spaces, joins dotted acronyms.
std::string FoldAscii(std::string_view in) {
    std::string out;
    out.reserve(in.size() + 4);
    bool space = true;     // last written char is a (virtual) space
    bool acronym = false;  // the current token was built by joining dotted letters
    for (size_t i = 0; i < in.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (IsAlnum(c)) {
            out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            space = false;
        } else if (c >= 0x80) {
            out += static_cast<char>(c);  // a letter left after unaccent (Greek, Cyrillic...)
            space = false;
        } else if (c == '.' && !space &&
                   (acronym || out.size() < 2 || out[out.size() - 2] == ' ') && i + 1 < in.size() &&
                   IsAlnum(static_cast<unsigned char>(in[i + 1])) &&
                   (i + 2 >= in.size() || !IsAlnum(static_cast<unsigned char>(in[i + 2])))) {
            acronym = true;  // "s.a.r.l." -> "sarl": a dot between single letters joins them
        } else {
            if (!space) out += ' ';
            if (c == '&') out += "and ";
            space = true;
            acronym = false;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// MapTokens rewrites each token of a folded string through `table`.
template <size_t N>
std::string MapTokens(const std::string& folded, const Abbrev (&table)[N]) {
    std::string out;
    out.reserve(folded.size() + 8);
    size_t i = 0;
    while (i < folded.size()) {
        size_t j = folded.find(' ', i);
        if (j == std::string::npos) j = folded.size();
        std::string_view token(folded.data() + i, j - i);
        const char* to = Lookup(table, token);
        std::string_view put = to ? std::string_view(to) : token;
        if (!put.empty()) {
            if (!out.empty()) out += ' ';
            out += put;
        }
        i = j + 1;
    }
    return out;
}

// IsWordByte says whether a byte belongs to a word: an ASCII letter or digit, or any byte
// of a multi-byte UTF-8 character (letters outside ASCII).
bool IsWordByte(unsigned char c) { return IsAlnum(c) || c >= 0x80; }

// SpellSociete rewrites each whole word "sté" (any case: "Sté", "STÉ") as "societe", the
// word it abbreviates; text without one comes back unchanged.
std::string SpellSociete(std::string_view in) {
    std::string out;
    size_t copied = 0;
    for (size_t i = 0; i + 4 <= in.size(); ++i) {
        auto at = [&](size_t k) { return static_cast<unsigned char>(in[i + k]); };
        bool word = (at(0) | 0x20) == 's' && (at(1) | 0x20) == 't' && at(2) == 0xC3 &&
                    (at(3) == 0xA9 || at(3) == 0x89);  // é É
        if (!word || (i > 0 && IsWordByte(static_cast<unsigned char>(in[i - 1]))) ||
            (i + 4 < in.size() && IsWordByte(at(4))))
            continue;
        out.append(in, copied, i - copied);
        out += "societe";
        copied = i + 4;
        i += 3;
    }
    if (copied == 0) return std::string(in);
    out.append(in, copied, std::string_view::npos);
    return out;
}

// kLatin1 maps U+00C0..U+00FF to ASCII (nullptr: not a letter, leave it to ICU).
constexpr const char* kLatin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",   // C0-CF
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",  // D0-DF
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",   // E0-EF
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "y",   // F0-FF
};

// Latin1Plain writes `in` without accents when its only non-ASCII characters are Latin-1
// letters, œ/Œ and typographic quotes, dashes and no-break spaces (French text: ICU's
// transliterator costs microseconds per value, this a table lookup); false otherwise.
bool Latin1Plain(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(in[i]);
        if (c < 0x80) {
            out += static_cast<char>(c);
            continue;
        }
        if (i + 1 >= in.size()) return false;
        unsigned char d = static_cast<unsigned char>(in[i + 1]);
        if ((d & 0xC0) != 0x80) return false;
        if (c == 0xC3) {
            const char* plain = kLatin1[d - 0x80];
            if (!plain) return false;
            out += plain;
            ++i;
        } else if (c == 0xC5 && (d == 0x93 || d == 0x92)) {
            out += "oe";  // œ Œ
            ++i;
        } else if (c == 0xC2 && (d == 0xA0 || d == 0xAB || d == 0xBB || d == 0xB0 || d == 0xB7)) {
            out += ' ';  // no-break space « » ° ·
            ++i;
        } else if (c == 0xE2 && i + 2 < in.size() && d == 0x80 &&
                   static_cast<unsigned char>(in[i + 2]) >= 0x90 &&
                   static_cast<unsigned char>(in[i + 2]) <= 0xAF) {
            out += ' ';  // dashes, quotes, narrow spaces of U+2010..U+202F
            i += 2;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string FoldText(std::string_view in) {
    // FoldText takes the ASCII path when it can (after Latin1Plain), else ICU.
    if (text::IsAscii(in)) return FoldAscii(in);
    std::string latin;
    if (Latin1Plain(in, latin)) return FoldAscii(latin);
    std::string valid;
    if (!text::IsValidUtf8(in)) {
        for (char c : in)
            if (static_cast<unsigned char>(c) < 0x80) valid += c;
        return FoldAscii(valid);
    }
    auto lower = text::Lower(in);
    auto plain = lower ? text::Unaccent(*lower) : std::nullopt;
    if (!plain) return FoldAscii(valid);
    // Non-ASCII whitespace and punctuation would survive FoldAscii as letters: map the
    // common ones to spaces first.
    std::string cleaned;
    cleaned.reserve(plain->size());
    for (size_t i = 0; i < plain->size();) {
        size_t start = i;
        char32_t cp = text::DecodeUtf8(*plain, i);
        if (cp < 0x80) {
            cleaned += static_cast<char>(cp);
        } else if (text::IsSpace(cp) || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x00AB ||
                   cp == 0x00BB || cp == 0x00B0 || cp == 0x00B7) {
            cleaned += ' ';  // spaces, general punctuation (quotes, dashes), « » ° ·
        } else {
            cleaned.append(*plain, start, i - start);
        }
    }
    return FoldAscii(cleaned);
}

std::string NormalizeName(std::string_view name) {
    // NormalizeName spells "Sté" out, folds, then rewrites tokens through the name table.
    return MapTokens(FoldText(SpellSociete(name)), kNameAbbrevs);
}

std::string NormalizeAddress(std::string_view in) {
    // NormalizeAddress folds and then rewrites tokens through the address table.
    return MapTokens(FoldText(in), kAddressAbbrevs);
}

std::string NormalizeCode(std::string_view in) {
    // NormalizeCode keeps alphanumerics (after folding accents away).
    std::string folded = FoldText(in), out;
    for (char c : folded)
        if (c != ' ') out += c;
    return out;
}

std::string NormalizeExact(std::string_view in) {
    // NormalizeExact trims whitespace and lower-cases ASCII letters.
    std::string_view t = text::IsValidUtf8(in) ? text::TrimView(in) : in;
    return text::AsciiLower(t);
}

void SplitTokens(std::string_view normalized, std::vector<std::string_view>& out) {
    // SplitTokens cuts at single spaces (normalised text has no other separator).
    size_t i = 0;
    while (i < normalized.size()) {
        size_t j = normalized.find(' ', i);
        if (j == std::string_view::npos) j = normalized.size();
        if (j > i) out.push_back(normalized.substr(i, j - i));
        i = j + 1;
    }
}

}  // namespace nightjar::core::resolve

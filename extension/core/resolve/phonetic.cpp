// phonetic.cpp: a phonetic key for French and English names.
//
// Soundex merges too much for French (it keeps only the first letter and three digits)
// and Metaphone knows only English; Phonex and Soundex2 handle French but not English
// spellings. This key is a small rewrite system over a folded word (lower case, no
// accents), in four phases:
//   1. spellings of one sound: ph->f, sch/sh/ch->x (the "sh" sound), qu/q/ck/c(a,o,u)->k,
//      c(e,i,y)->s, g(e,i,y)->j, gu(e,i)->g, gn->n, th->t, w->v, z->s, x->ks, y->i,
//      "ault"/"aud"/"eau"/"au"->o; h is silent;
//   2. silent French endings: a final t, d, s, x or z after another letter is dropped
//      (Dupont/Dupond, Renaud/Reno, Martins/Martin), then a final e;
//   3. consonant classes: b/p, d/t, f/v, k/g, j, s, l, r, m/n (French nasals make
//      "Lambert" and "Lanbert" one), x; letters that repeat are written once;
//   4. vowels are dropped except a leading one, written 'a' (Olivier, Albert, Hélène).
// Digits keep the word as it is (house numbers, codes). A key is at most 8 characters.
// Trade-off: merging voiced and unvoiced consonants favours recall for blocking (more
// candidate pairs) over precision, which the comparison levels restore.
#include <string>
#include <vector>

#include "core/resolve/normalize.hpp"
#include "core/resolve/resolver.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

// IsVowel says whether a folded letter is a vowel (y counts as i).
bool IsVowel(char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

// IsFrontVowel says whether c softens a preceding c or g.
bool IsFrontVowel(char c) { return c == 'e' || c == 'i' || c == 'y'; }

// SoundOf rewrites spellings to one letter per sound (phase 1).
std::string SoundOf(const std::string& w) {
    std::string s;
    size_t n = w.size();
    auto at = [&](size_t k) { return k < n ? w[k] : '\0'; };
    for (size_t i = 0; i < n; ++i) {
        char c = w[i];
        if (w.compare(i, 4, "ault") == 0) {
            s += 'o';
            i += 3;
            continue;
        }
        if (w.compare(i, 3, "eau") == 0) {
            s += 'o';
            i += 2;
            continue;
        }
        if (c == 'a' && at(i + 1) == 'u') {
            s += 'o';
            ++i;
            continue;
        }
        switch (c) {
            case 'p':
                if (at(i + 1) == 'h') {
                    s += 'f';
                    ++i;
                } else {
                    s += 'p';
                }
                break;
            case 's':
                if (at(i + 1) == 'c' && at(i + 2) == 'h') {
                    s += 'x';
                    i += 2;
                } else if (at(i + 1) == 'h') {
                    s += 'x';
                    ++i;
                } else {
                    s += 's';
                }
                break;
            case 'c':
                if (at(i + 1) == 'h') {
                    s += 'x';
                    ++i;
                } else if (at(i + 1) == 'k') {
                    s += 'k';
                    ++i;
                } else if (IsFrontVowel(at(i + 1))) {
                    s += 's';
                } else {
                    s += 'k';
                }
                break;
            case 'q':
                s += 'k';
                if (at(i + 1) == 'u') ++i;
                break;
            case 'g':
                if (at(i + 1) == 'u' && IsFrontVowel(at(i + 2))) {
                    s += 'g';
                    ++i;
                } else if (at(i + 1) == 'n') {
                    s += 'n';
                    ++i;
                } else if (at(i + 1) == 'h') {
                    s += 'g';
                    ++i;
                } else if (IsFrontVowel(at(i + 1))) {
                    s += 'j';
                } else {
                    s += 'g';
                }
                break;
            case 't':
                s += 't';
                if (at(i + 1) == 'h') ++i;
                break;
            case 'w':
                s += 'v';
                break;
            case 'z':
                s += 's';
                break;
            case 'x':
                s += "ks";
                break;
            case 'y':
                s += 'i';
                break;
            case 'h':
                break;
            default:
                s += c;
        }
    }
    return s;
}

// ClassOf maps a consonant to its class letter (phase 3); vowels map to themselves.
char ClassOf(char c) {
    switch (c) {
        case 'b':
        case 'p':
            return 'p';
        case 'd':
        case 't':
            return 't';
        case 'f':
        case 'v':
            return 'f';
        case 'k':
        case 'g':
            return 'k';
        case 'm':
        case 'n':
            return 'n';
        default:
            return c;
    }
}

}  // namespace

std::string PhoneticToken(std::string_view word) {
    // PhoneticToken applies the four phases above to one folded word.
    std::string w;
    for (char c : word) {
        if (c >= '0' && c <= '9') return std::string(word);
        if (c >= 'a' && c <= 'z')
            w += c;
        else if (c >= 'A' && c <= 'Z')
            w += static_cast<char>(c - 'A' + 'a');
    }
    if (w.empty()) return std::string(word);
    std::string s = SoundOf(w);
    // Phase 2: silent endings (a final consonant, then final e's).
    if (s.size() > 2) {
        char last = s.back();
        if (last == 't' || last == 'd' || last == 's' || last == 'x' || last == 'z') s.pop_back();
    }
    while (s.size() > 2 && s.back() == 'e') s.pop_back();
    // Phases 3 and 4.
    std::string key;
    char prev = '\0';
    for (size_t i = 0; i < s.size() && key.size() < 8; ++i) {
        char c = s[i];
        if (IsVowel(c)) {
            if (i == 0) key += 'a';
            prev = 'a';
            continue;
        }
        char k = ClassOf(c);
        if (k != prev) key += k;
        prev = k;
    }
    if (key.empty()) key = "a";
    return key;
}

std::string Phonetic(std::string_view text) {
    // Phonetic keys each word of the normalised name.
    std::string normalized = NormalizeName(text), out;
    std::vector<std::string_view> tokens;
    SplitTokens(normalized, tokens);
    for (auto token : tokens) {
        if (!out.empty()) out += ' ';
        out += PhoneticToken(token);
    }
    return out;
}

}  // namespace nightjar::core::resolve

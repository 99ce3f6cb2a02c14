// similarity.cpp: token similarities and the analyst's Similarity / LevenshteinDistance.
//
// Token lists are short (names have 1-6 words), so the greedy pairing of TokenSetSimilarity
// is O(|a||b|) Jaro-Winklers with a 64-bit "used" mask (longer lists fall back to exact
// matching beyond 64 tokens). Similarity decodes UTF-8 to code points once so that an
// accented letter counts as one character, as a user expects from "levenshtein".
#include <algorithm>
#include <cstdint>
#include <string>

#include "core/errors.hpp"
#include "core/resolve/normalize.hpp"
#include "core/resolve/resolver.hpp"
#include "core/resolve/string_metrics.hpp"
#include "core/resolve/token_metrics.hpp"
#include "core/text/utf8.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

// CodePoints decodes UTF-8 (invalid input is read byte by byte).
std::u32string CodePoints(std::string_view s) {
    std::u32string out;
    if (!text::IsValidUtf8(s)) {
        for (char c : s) out += static_cast<char32_t>(static_cast<unsigned char>(c));
        return out;
    }
    for (size_t i = 0; i < s.size();) out += text::DecodeUtf8(s, i);
    return out;
}

// SortedSet returns the distinct tokens in order.
std::vector<std::string_view> SortedSet(const Tokens& t) {
    std::vector<std::string_view> s(t.begin(), t.end());
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    return s;
}

// Trigrams returns the sorted distinct trigrams of the words, padded like pg_trgm.
std::vector<std::string> Trigrams(const Tokens& t) {
    std::vector<std::string> out;
    for (auto w : t) {
        std::string p = "  " + std::string(w) + " ";
        for (size_t i = 0; i + 3 <= p.size(); ++i) out.push_back(p.substr(i, 3));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// SetJaccard returns |A ∩ B| / |A ∪ B| of two sorted distinct sequences.
template <typename V>
double SetJaccard(const V& a, const V& b) {
    if (a.empty() && b.empty()) return 1.0;
    size_t common = 0;
    for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
        if (a[i] < b[j])
            ++i;
        else if (b[j] < a[i])
            ++j;
        else {
            ++common;
            ++i;
            ++j;
        }
    }
    return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

}  // namespace

double StringJaroWinkler(std::string_view a, std::string_view b) {
    // StringJaroWinkler compares bytes (the engine's normalised values are mostly ASCII).
    return JaroWinkler(a.data(), a.size(), b.data(), b.size());
}

double StringJaroWinkler(std::string_view a, std::string_view b, double threshold) {
    // StringJaroWinkler skips the computation when the letter bound says it cannot reach.
    return JaroWinklerAtLeast(a.data(), a.size(), b.data(), b.size(), threshold);
}

double TokenSetSimilarity(const Tokens& a, const Tokens& b) {
    // TokenSetSimilarity pairs the shorter list's tokens greedily with the longer's.
    const Tokens& s = a.size() <= b.size() ? a : b;
    const Tokens& l = a.size() <= b.size() ? b : a;
    if (s.empty()) return l.empty() ? 1.0 : 0.0;
    uint64_t used = 0;
    double sum = 0;
    for (auto ts : s) {
        double best = 0;
        size_t best_j = l.size();
        for (size_t j = 0; j < l.size() && j < 64; ++j) {
            if (used >> j & 1) continue;
            double sim =
                ts == l[j] ? 1.0 : StringJaroWinkler(ts, l[j], std::max(best, kTokenMatch));
            if (sim > best) {
                best = sim;
                best_j = j;
                if (sim == 1.0) break;
            }
        }
        if (best >= kTokenMatch && best_j < l.size()) {
            used |= uint64_t{1} << best_j;
            sum += best;
        }
    }
    return sum / static_cast<double>(s.size());
}

bool InitialsCompatible(const Tokens& a, const Tokens& b) {
    // InitialsCompatible matches whole words first, then initials to remaining words.
    const Tokens& s = a.size() <= b.size() ? a : b;
    const Tokens& l = a.size() <= b.size() ? b : a;
    if (s.empty() || l.size() > 64) return false;
    uint64_t used = 0;
    bool any_initial = false;
    std::vector<std::string_view> initials;
    for (auto ts : s) {
        if (ts.size() == 1) {
            initials.push_back(ts);
            continue;
        }
        bool found = false;
        for (size_t j = 0; j < l.size(); ++j) {
            if (!(used >> j & 1) && (ts == l[j] || StringJaroWinkler(ts, l[j]) >= kTokenMatch ||
                                     (l[j].size() == 1 && l[j][0] == ts[0]))) {
                used |= uint64_t{1} << j;
                found = true;
                any_initial = any_initial || l[j].size() == 1;
                break;
            }
        }
        if (!found) return false;
    }
    for (auto ti : initials) {
        bool found = false;
        for (size_t j = 0; j < l.size(); ++j) {
            if (!(used >> j & 1) && l[j][0] == ti[0]) {
                used |= uint64_t{1} << j;
                found = true;
                any_initial = true;
                break;
            }
        }
        if (!found) return false;
    }
    return any_initial;
}

double JaccardSimilarity(const Tokens& a, const Tokens& b) {
    // JaccardSimilarity compares the sorted distinct token sets.
    return SetJaccard(SortedSet(a), SortedSet(b));
}

double TrigramSimilarity(const Tokens& a, const Tokens& b) {
    // TrigramSimilarity compares the sorted distinct trigram sets.
    return SetJaccard(Trigrams(a), Trigrams(b));
}

size_t LevenshteinDistance(std::string_view a, std::string_view b) {
    // LevenshteinDistance counts edits between code points.
    std::u32string x = CodePoints(a), y = CodePoints(b);
    return EditDistance(x.data(), x.size(), y.data(), y.size(), false);
}

double Similarity(std::string_view a, std::string_view b, std::string_view method) {
    // Similarity dispatches on the method name.
    if (method == "jaro_winkler" || method == "jaro" || method == "levenshtein" ||
        method == "damerau_levenshtein") {
        std::u32string x = CodePoints(a), y = CodePoints(b);
        if (method == "jaro_winkler") return JaroWinkler(x.data(), x.size(), y.data(), y.size());
        if (method == "jaro") return Jaro(x.data(), x.size(), y.data(), y.size());
        size_t longer = std::max(x.size(), y.size());
        if (longer == 0) return 1.0;
        size_t d =
            EditDistance(x.data(), x.size(), y.data(), y.size(), method == "damerau_levenshtein");
        return 1.0 - static_cast<double>(d) / static_cast<double>(longer);
    }
    std::string fa = FoldText(a), fb = FoldText(b);
    Tokens ta, tb;
    SplitTokens(fa, ta);
    SplitTokens(fb, tb);
    if (method == "token_set") return TokenSetSimilarity(ta, tb);
    if (method == "jaccard") return JaccardSimilarity(ta, tb);
    if (method == "trigram") return TrigramSimilarity(ta, tb);
    if (method == "token_sort") {
        std::sort(ta.begin(), ta.end());
        std::sort(tb.begin(), tb.end());
        std::string sa, sb;
        for (auto t : ta) sa += std::string(sa.empty() ? "" : " ") + std::string(t);
        for (auto t : tb) sb += std::string(sb.empty() ? "" : " ") + std::string(t);
        return StringJaroWinkler(sa, sb);
    }
    std::string shown(method.substr(0, 64));
    throw InvalidArgument("unknown similarity method \"" + shown +
                          "\" (known: jaro_winkler, jaro, levenshtein, damerau_levenshtein, "
                          "token_set, token_sort, jaccard, trigram)");
}

}  // namespace nightjar::core::resolve

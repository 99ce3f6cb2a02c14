// string_metrics.hpp: the string similarities of the engine, on any character type
// (bytes for the engine's normalised values, code points for the analyst's Similarity).
//
// Jaro-Winkler follows Winkler (1990): matching window max(|a|,|b|)/2 - 1, transpositions
// halved, prefix bonus 0.1 per common leading character (at most 4) applied when the Jaro
// similarity exceeds 0.7. Levenshtein keeps two rows (O(|a||b|) time, O(|b|) memory);
// names are short, so no bit-parallel variant is worth its code. Optimal string alignment
// (restricted Damerau) adds adjacent transpositions. Inputs up to 255 characters use
// stack flags; longer ones a heap vector.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nightjar::core::resolve {

// Jaro returns the Jaro similarity of a[0..n) and b[0..m).
template <typename C>
double Jaro(const C* a, size_t n, const C* b, size_t m) {
    if (n == 0 && m == 0) return 1.0;
    if (n == 0 || m == 0) return 0.0;
    size_t window = std::max(n, m) / 2;
    window = window > 0 ? window - 1 : 0;
    bool stack_a[256], stack_b[256];
    bool* fa = stack_a;
    bool* fb = stack_b;
    std::vector<char> big_a, big_b;
    if (n > 255 || m > 255) {
        big_a.assign(n, 0);
        big_b.assign(m, 0);
        fa = reinterpret_cast<bool*>(big_a.data());
        fb = reinterpret_cast<bool*>(big_b.data());
    } else {
        std::fill(fa, fa + n, false);
        std::fill(fb, fb + m, false);
    }
    size_t matches = 0;
    for (size_t i = 0; i < n; ++i) {
        size_t lo = i > window ? i - window : 0;
        size_t hi = std::min(m, i + window + 1);
        for (size_t j = lo; j < hi; ++j) {
            if (!fb[j] && a[i] == b[j]) {
                fa[i] = fb[j] = true;
                ++matches;
                break;
            }
        }
    }
    if (matches == 0) return 0.0;
    size_t transpositions = 0;
    for (size_t i = 0, j = 0; i < n; ++i) {
        if (!fa[i]) continue;
        while (!fb[j]) ++j;
        if (a[i] != b[j]) ++transpositions;
        ++j;
    }
    double mm = static_cast<double>(matches);
    return (mm / n + mm / m + (mm - transpositions / 2.0) / mm) / 3.0;
}

// JaroWinkler returns the Jaro-Winkler similarity (prefix scale 0.1, at most 4 characters).
template <typename C>
double JaroWinkler(const C* a, size_t n, const C* b, size_t m) {
    double jaro = Jaro(a, n, b, m);
    if (jaro <= 0.7) return jaro;
    size_t prefix = 0;
    while (prefix < 4 && prefix < n && prefix < m && a[prefix] == b[prefix]) ++prefix;
    return jaro + prefix * 0.1 * (1.0 - jaro);
}

// JaroWinklerAtLeast returns JaroWinkler(a, b) when it can reach `threshold`, else a value
// below `threshold` without computing it: the number of matching characters m cannot
// exceed the characters of each string whose letter occurs in the other (a 64-bit mask
// per string), and Jaro-Winkler <= j + 0.4 (1 - j) with j <= (m/|a| + m/|b| + 1) / 3.
inline double JaroWinklerAtLeast(const char* a, size_t n, const char* b, size_t m,
                                 double threshold) {
    if (n == 0 || m == 0) return JaroWinkler(a, n, b, m);
    uint64_t mask_a = 0, mask_b = 0;
    for (size_t i = 0; i < n; ++i) mask_a |= uint64_t{1} << (static_cast<unsigned char>(a[i]) & 63);
    for (size_t j = 0; j < m; ++j) mask_b |= uint64_t{1} << (static_cast<unsigned char>(b[j]) & 63);
    size_t in_a = 0, in_b = 0;
    for (size_t i = 0; i < n; ++i) in_a += mask_b >> (static_cast<unsigned char>(a[i]) & 63) & 1;
    for (size_t j = 0; j < m; ++j) in_b += mask_a >> (static_cast<unsigned char>(b[j]) & 63) & 1;
    double most = static_cast<double>(std::min(in_a, in_b));
    double jaro_bound = (most / n + most / m + 1.0) / 3.0;
    if (most == 0 || jaro_bound + 0.4 * (1.0 - jaro_bound) < threshold) return 0.0;
    return JaroWinkler(a, n, b, m);
}

// Levenshtein returns the edit distance (insert, delete, substitute) of a and b; with
// `transpositions`, the optimal string alignment distance (adjacent swaps cost 1).
template <typename C>
size_t EditDistance(const C* a, size_t n, const C* b, size_t m, bool transpositions) {
    if (n == 0) return m;
    if (m == 0) return n;
    std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
    for (size_t j = 0; j <= m; ++j) prev[j] = j;
    for (size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= m; ++j) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (transpositions && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                best = std::min(best, prev2[j - 2] + 1);
            cur[j] = best;
        }
        prev2.swap(prev);
        prev.swap(cur);
    }
    return prev[m];
}

// WithinOneEdit says whether a and b differ by at most one insertion, deletion,
// substitution or adjacent transposition (O(n), no table).
template <typename C>
bool WithinOneEdit(const C* a, size_t n, const C* b, size_t m) {
    if (n > m) return WithinOneEdit(b, m, a, n);
    if (m - n > 1) return false;
    size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    if (i == n) return true;  // equal, or one character appended
    if (n == m) {
        if (std::equal(a + i + 1, a + n, b + i + 1)) return true;  // substitution
        return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               std::equal(a + i + 2, a + n, b + i + 2);  // adjacent transposition
    }
    return std::equal(a + i, a + n, b + i + 1);  // one insertion in b
}

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"

// compare.cpp: the comparison levels of each field kind.
//
// A level is the first test (best first) a pair of values passes; LevelNames spells them.
//   name:       exact (same text or same tokens in another order) / Jaro-Winkler >= c0 (of
//               the texts or of their sorted tokens) / token_set >= c1 / initials compatible /
//               token_set >= c2 / else
//   address:    exact / JW >= c0 with the same house number / token_set >= c1 same number /
//               other_number (street alike, house numbers differ) / token_set >= c2 / else
//   text:       exact / TF-IDF cosine (binary term weights, idf = ln(N / df)) >= c0.. / else
//   code:       exact / one edit (insert, delete, substitute, swap) / same 2-char prefix / else
//   identifier: exact and checksum-valid / exact / same SIREN (first 9 digits) / one edit / else
//   date:       exact / day and month swapped / same day, one year apart / else
//   number:     exact / relative difference <= c0.. / else
//   geo:        haversine distance <= c0 km.. / else
// Equal value ids short-circuit every kind. Cost: names and addresses O(t^2) token
// Jaro-Winklers on a few tokens; text a merge of two sorted id lists; the rest O(1) or
// O(code length). Memory: a float per text token and per text value.
#include "core/resolve/compare.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "core/resolve/parallel.hpp"
#include "core/resolve/string_metrics.hpp"
#include "core/resolve/token_metrics.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

// FillTokens puts the token texts of value v in `out`.
void FillTokens(const FieldStore& s, uint32_t v, Tokens& out) {
    out.clear();
    const uint32_t* t = s.TokensBegin(v);
    size_t n = s.TokenCount(v);
    for (size_t i = 0; i < n; ++i) out.push_back(s.tokens.Get(t[i]));
}

// Histogram fills 32 buckets of character counts (a-z, digits folded on 6, the rest in 31).
void Histogram(std::string_view text, uint8_t* h) {
    std::fill(h, h + 32, 0);
    for (char ch : text) {
        unsigned char c = static_cast<unsigned char>(ch);
        int bucket = c >= 'a' && c <= 'z'   ? c - 'a'
                     : c >= '0' && c <= '9' ? 26 + (c - '0') % 5
                                            : 31;
        if (h[bucket] < 255) ++h[bucket];
    }
}

// MayReach says whether Jaro-Winkler can reach `cut` for strings of lengths n and m with
// histograms ha and hb: matches <= sum of bucket minima, Jaro <= (M/n + M/m + 1)/3 and
// Jaro-Winkler <= 0.6 Jaro + 0.4. Strings over 255 bytes (saturated counts) always may.
bool MayReach(const uint8_t* ha, size_t n, const uint8_t* hb, size_t m, double cut) {
    if (n == 0 || m == 0 || n > 255 || m > 255) return true;
    int common = 0;
    for (int i = 0; i < 32; ++i) common += std::min(ha[i], hb[i]);
    double most = common;
    double jaro = (most / static_cast<double>(n) + most / static_cast<double>(m) + 1) / 3;
    return common > 0 && 0.6 * jaro + 0.4 >= cut;
}

// HasInitial says whether either list has a one-letter token.
bool HasInitial(const Tokens& a, const Tokens& b) {
    for (auto t : a)
        if (t.size() == 1) return true;
    for (auto t : b)
        if (t.size() == 1) return true;
    return false;
}

// IsNumberToken says whether a token starts with a digit (a house number, "12b").
bool IsNumberToken(std::string_view t) { return !t.empty() && t[0] >= '0' && t[0] <= '9'; }

}  // namespace

double HaversineKm(double lat1, double lon1, double lat2, double lon2) {
    // HaversineKm uses the mean Earth radius 6371.0088 km.
    constexpr double kRad = 3.14159265358979323846 / 180.0;
    double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
    double h =
        std::sin(dlat / 2) * std::sin(dlat / 2) +
        std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
    return 2 * 6371.0088 * std::asin(std::min(1.0, std::sqrt(h)));
}

Comparer::Comparer(const RecordData& data, int threads) : data_(data) {
    // Comparer reads cut-offs from the level names' defaults and builds TF-IDF norms.
    size_t nf = data.fields.size();
    cutoffs_.resize(nf);
    level_count_.resize(nf);
    idf_.resize(nf);
    norm_.resize(nf);
    token_hist_.resize(nf);
    value_hist_.resize(nf);
    for (size_t f = 0; f < nf; ++f) {
        const FieldSpec& spec = data.config.fields[f];
        level_count_[f] = static_cast<int>(LevelNames(spec).size());
        cutoffs_[f] = Cutoffs(spec);
        const FieldStore& s = data.fields[f];
        if (s.kind == FieldKind::kName || s.kind == FieldKind::kAddress) {
            token_hist_[f].resize(s.tokens.size() * 32);
            value_hist_[f].resize(s.values.size() * 32);
            auto* tokens = token_hist_[f].data();
            auto* values = value_hist_[f].data();
            ParallelFor(s.tokens.size(), std::max(1, threads), 65536, NoProgress(),
                        [&](size_t begin, size_t end, int) {
                            for (size_t t = begin; t < end; ++t)
                                Histogram(s.tokens.Get(static_cast<uint32_t>(t)), tokens + t * 32);
                        });
            ParallelFor(s.values.size(), std::max(1, threads), 65536, NoProgress(),
                        [&](size_t begin, size_t end, int) {
                            for (size_t v = begin; v < end; ++v)
                                Histogram(s.values.Get(static_cast<uint32_t>(v)), values + v * 32);
                        });
        }
        if (s.kind != FieldKind::kText) continue;
        double n = static_cast<double>(std::max<size_t>(s.present, 1));
        idf_[f].resize(s.tokens.size());
        for (size_t t = 0; t < s.tokens.size(); ++t)
            idf_[f][t] =
                static_cast<float>(std::log(n / std::max<uint32_t>(s.token_df[t], 1)) + 1e-3);
        norm_[f].resize(s.values.size());
        for (uint32_t v = 0; v < s.values.size(); ++v) {
            double sum = 0;
            const uint32_t* t = s.TokensBegin(v);
            for (size_t i = 0; i < s.TokenCount(v); ++i)
                sum += double(idf_[f][t[i]]) * idf_[f][t[i]];
            norm_[f][v] = static_cast<float>(std::sqrt(sum));
        }
    }
}

void Comparer::Compare(uint32_t a, uint32_t b, int8_t* levels) const {
    // Compare looks each field's value ids up and compares them.
    for (size_t f = 0; f < data_.fields.size(); ++f) {
        const FieldStore& s = data_.fields[f];
        uint32_t va = s.value_of[a], vb = s.value_of[b];
        levels[f] = va == kMissing || vb == kMissing ? kNullLevel : CompareField(f, va, vb);
    }
}

bool Comparer::SimilarText(size_t f, uint32_t va, uint32_t vb, double cut) const {
    // SimilarText says whether the Jaro-Winkler of two values, or of their sorted tokens
    // when the order differs, reaches `cut` (one histogram bound serves both: same letters).
    const FieldStore& s = data_.fields[f];
    std::string_view x = s.values.Get(va), y = s.values.Get(vb);
    if (!MayReach(value_hist_[f].data() + size_t{va} * 32, x.size(),
                  value_hist_[f].data() + size_t{vb} * 32, y.size(), cut))
        return false;
    if (StringJaroWinkler(x, y) >= cut) return true;
    std::string_view sx = s.sorted.Get(s.sorted_of[va]), sy = s.sorted.Get(s.sorted_of[vb]);
    if (sx == x && sy == y) return false;
    return StringJaroWinkler(sx, sy) >= cut;
}

double Comparer::TokenSet(size_t f, const uint32_t* a, size_t na, const uint32_t* b,
                          size_t nb) const {
    // TokenSet is TokenSetSimilarity on token ids: equal ids match at once, the histogram
    // bound skips pairs of words that cannot reach kTokenMatch.
    const FieldStore& s = data_.fields[f];
    const uint8_t* hist = token_hist_[f].data();
    if (na > nb) {
        std::swap(a, b);
        std::swap(na, nb);
    }
    if (na == 0) return nb == 0 ? 1.0 : 0.0;
    uint64_t used = 0;
    double sum = 0;
    for (size_t i = 0; i < na; ++i) {
        std::string_view ti = s.tokens.Get(a[i]);
        double best = 0;
        size_t best_j = nb;
        for (size_t j = 0; j < nb && j < 64; ++j) {
            if (used >> j & 1) continue;
            double sim = 0;
            if (a[i] == b[j]) {
                sim = 1.0;
            } else {
                std::string_view tj = s.tokens.Get(b[j]);
                double cut = std::max(best, kTokenMatch);
                if (MayReach(hist + size_t{a[i]} * 32, ti.size(), hist + size_t{b[j]} * 32,
                             tj.size(), cut))
                    sim = StringJaroWinkler(ti, tj);
            }
            if (sim > best) {
                best = sim;
                best_j = j;
                if (sim == 1.0) break;
            }
        }
        if (best >= kTokenMatch && best_j < nb) {
            used |= uint64_t{1} << best_j;
            sum += best;
        }
    }
    return sum / static_cast<double>(na);
}

int8_t Comparer::CompareName(size_t f, const std::vector<double>& c, uint32_t va,
                             uint32_t vb) const {
    // CompareName tries the name levels in order, the cheap tests first.
    const FieldStore& s = data_.fields[f];
    if (s.sorted_of[va] == s.sorted_of[vb]) return 0;
    if (SimilarText(f, va, vb, c[0])) return 1;
    double ts =
        TokenSet(f, s.TokensBegin(va), s.TokenCount(va), s.TokensBegin(vb), s.TokenCount(vb));
    if (ts >= c[1]) return 2;
    thread_local Tokens ta, tb;
    FillTokens(s, va, ta);
    FillTokens(s, vb, tb);
    if (HasInitial(ta, tb) && InitialsCompatible(ta, tb)) return 3;
    if (ts >= c[2]) return 4;
    return 5;
}

int8_t Comparer::CompareAddress(size_t f, const std::vector<double>& c, uint32_t va,
                                uint32_t vb) const {
    // CompareAddress separates house numbers from street words.
    const FieldStore& s = data_.fields[f];
    if (s.sorted_of[va] == s.sorted_of[vb]) return 0;
    thread_local std::vector<uint32_t> na, nb, wa, wb;
    na.clear(), nb.clear(), wa.clear(), wb.clear();
    auto split = [&](uint32_t v, std::vector<uint32_t>& numbers, std::vector<uint32_t>& words) {
        const uint32_t* t = s.TokensBegin(v);
        for (size_t i = 0; i < s.TokenCount(v); ++i)
            (IsNumberToken(s.tokens.Get(t[i])) ? numbers : words).push_back(t[i]);
    };
    split(va, na, wa);
    split(vb, nb, wb);
    bool other_number = !na.empty() && !nb.empty() && na[0] != nb[0];
    if (other_number) {
        if (TokenSet(f, wa.data(), wa.size(), wb.data(), wb.size()) >= c[1]) return 3;
    } else if (SimilarText(f, va, vb, c[0])) {
        return 1;
    }
    double ts =
        TokenSet(f, s.TokensBegin(va), s.TokenCount(va), s.TokensBegin(vb), s.TokenCount(vb));
    if (!other_number && ts >= c[1]) return 2;
    if (ts >= c[2]) return 4;
    return 5;
}

int8_t Comparer::CompareText(size_t f, const std::vector<double>& c, uint32_t va,
                             uint32_t vb) const {
    // CompareText merges the sorted token ids and sums the shared idf squares.
    const FieldStore& s = data_.fields[f];
    const uint32_t *ta = s.TokensBegin(va), *tb = s.TokensBegin(vb);
    size_t na = s.TokenCount(va), nb = s.TokenCount(vb);
    double dot = 0;
    for (size_t i = 0, j = 0; i < na && j < nb;) {
        if (ta[i] < tb[j])
            ++i;
        else if (tb[j] < ta[i])
            ++j;
        else {
            dot += double(idf_[f][ta[i]]) * idf_[f][ta[i]];
            ++i;
            ++j;
        }
    }
    double denom = double(norm_[f][va]) * norm_[f][vb];
    double cosine = denom > 0 ? dot / denom : 0;
    for (size_t k = 0; k < c.size(); ++k)
        if (cosine >= c[k]) return static_cast<int8_t>(k + 1);
    return static_cast<int8_t>(c.size() + 1);
}

int8_t Comparer::CompareField(size_t f, uint32_t va, uint32_t vb) const {
    // CompareField dispatches on the field's kind.
    const FieldStore& s = data_.fields[f];
    const std::vector<double>& c = cutoffs_[f];
    if (va == vb && s.kind != FieldKind::kIdentifier) return 0;
    switch (s.kind) {
        case FieldKind::kName:
            return CompareName(f, c, va, vb);
        case FieldKind::kAddress:
            return CompareAddress(f, c, va, vb);
        case FieldKind::kText:
            return CompareText(f, c, va, vb);
        case FieldKind::kCode: {
            std::string_view x = s.values.Get(va), y = s.values.Get(vb);
            if (WithinOneEdit(x.data(), x.size(), y.data(), y.size())) return 1;
            if (x.size() >= 2 && y.size() >= 2 && x.compare(0, 2, y, 0, 2) == 0) return 2;
            return 3;
        }
        case FieldKind::kIdentifier: {
            if (va == vb) return s.valid[va] ? 0 : 1;
            std::string_view x = s.values.Get(va), y = s.values.Get(vb);
            if (x.size() >= 9 && y.size() >= 9 && (x.size() == 14 || y.size() == 14) &&
                x.compare(0, 9, y, 0, 9) == 0)
                return 2;
            if (WithinOneEdit(x.data(), x.size(), y.data(), y.size())) return 3;
            return 4;
        }
        case FieldKind::kExact:
            return 1;
        case FieldKind::kDate: {
            long x = static_cast<long>(s.num_a[va]), y = static_cast<long>(s.num_a[vb]);
            long yx = x / 10000, mx = x / 100 % 100, dx = x % 100;
            long yy = y / 10000, my = y / 100 % 100, dy = y % 100;
            if (yx == yy && mx == dy && dx == my) return 1;
            if (mx == my && dx == dy && std::labs(yx - yy) == 1) return 2;
            return 3;
        }
        case FieldKind::kNumber: {
            double x = s.num_a[va], y = s.num_a[vb];
            double scale = std::max(std::fabs(x), std::fabs(y));
            double rel = scale > 0 ? std::fabs(x - y) / scale : 0;
            if (rel <= 1e-12) return 0;
            for (size_t k = 0; k < c.size(); ++k)
                if (rel <= c[k]) return static_cast<int8_t>(k + 1);
            return static_cast<int8_t>(c.size() + 1);
        }
        case FieldKind::kGeo: {
            double d = HaversineKm(s.num_a[va], s.num_b[va], s.num_a[vb], s.num_b[vb]);
            for (size_t k = 0; k < c.size(); ++k)
                if (d <= c[k]) return static_cast<int8_t>(k);
            return static_cast<int8_t>(c.size());
        }
    }
    return kNullLevel;
}

}  // namespace nightjar::core::resolve

// blocking.cpp: candidate pairs from blocking keys.
//
// Phases, per key family (rule):
//   1. keys: every record yields the cartesian product of its terms' parts (a 64-bit hash
//      per key; e.g. the phonetic keys of the name's two rarest words times the postcode);
//   2. blocks: (hash, record) entries are radix-sorted, equal hashes form a block (the
//      rarest words of each value are found once, in parallel: RareWords);
//   3. pairs: a block of at most max_block_size records gives all its pairs; a larger one
//      (a common word, a big city's postcode) is sorted by the records' name and each
//      record paired with its `window` next neighbours (sorted neighbourhood), counted in
//      oversize_blocks — unless all its records bear the same name (a name that common
//      identifies nothing: the block is skipped, counted in skipped_blocks); a family whose entries
//      lie mostly in oversize blocks says nothing (a gender column) and is dropped, reported by
//      name.
// Then the pairs of every family are radix-sorted and deduplicated.
// Default families, per kind: name -> rare_phonetic with each code field, with each geo
// field's 5-character geohash cell (alone when there is no code or geo field), the first
// word's phonetic key with each code field ("Boucherie du Centre - Lioux" and "Boucherie
// du Centre" differ in rare words), and the whole name (its sorted words) alone, for
// records without locality; address ->
// number_street likewise, and with the name's first word alone ("Coiffure Baron, 68
// impasse des Ecoles" whose postcode is missing, mistyped or another of the town's);
// identifier, exact, date -> the value; text -> its two rarest tokens; code alone and
// geohash-7 cells alone only when no name/address/text field exists; number never.
// Geohash cells are read on two grids shifted by half a cell, so two points closer than
// half a cell always share a key (a record has two keys per geo term).
// Incremental runs pass the records that are new or changed: every record still gets its
// keys (blocks and their sizes are the full run's), but only pairs with such a record are
// emitted, so the pairs' memory and sort shrink to the changes.
// Memory: 16 bytes per entry of one family at a time, 8 bytes per emitted pair (twice
// during the sort). Time: O(E log E) per family for the sort of E entries, linear for the
// radix sort of pairs. Trade-off: pairs that share no key are never compared; the window
// of oversize blocks may miss pairs whose names sort far apart.
#include "core/resolve/blocking.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/errors.hpp"
#include "core/resolve/parallel.hpp"
#include "core/util/radix_sort.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {
namespace {

// Mix combines a running key hash with one more part.
uint64_t Mix(uint64_t h, uint64_t part) {
    h ^= part + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 31);
}

// RarestTokens returns the positions of a value's rarest token of >= 2 bytes and, when its
// document frequency is at most 4 times the rarest's, of the second rarest ("boulangerie
// dupont" keys on "dupont" only; "jean dupont" on both).
void RarestTokens(const FieldStore& s, uint32_t v, bool words_only, size_t out[2], size_t& n) {
    const uint32_t* t = s.TokensBegin(v);
    size_t k = s.TokenCount(v);
    n = 0;
    for (size_t i = 0; i < k; ++i) {
        std::string_view text = s.tokens.Get(t[i]);
        if (text.size() < 2) continue;
        if (words_only && text[0] >= '0' && text[0] <= '9') continue;
        if (n < 2) {
            out[n++] = i;
        } else if (s.token_df[t[i]] < s.token_df[t[out[1]]]) {
            out[1] = i;
        }
        if (n == 2 && s.token_df[t[out[0]]] > s.token_df[t[out[1]]]) std::swap(out[0], out[1]);
    }
    if (n == 2 && s.token_df[t[out[1]]] > 4 * static_cast<uint64_t>(s.token_df[t[out[0]]])) n = 1;
}

enum class Op {
    kValue,
    kFirstPhonetic,
    kPrefix,
    kTokens,
    kPhonetic,
    kRarePhonetic,
    kRareTokens,
    kSorted,
    kRarePrefix,
    kNumberStreet,
    kGeohash
};

// OpOf reads a transform name once per family (Parts runs per record).
Op OpOf(const std::string& tr) {
    if (tr == "prefix") return Op::kPrefix;
    if (tr == "tokens") return Op::kTokens;
    if (tr == "phonetic") return Op::kPhonetic;
    if (tr == "rare_phonetic") return Op::kRarePhonetic;
    if (tr == "rare_tokens") return Op::kRareTokens;
    if (tr == "sorted") return Op::kSorted;
    if (tr == "rare_prefix") return Op::kRarePrefix;
    if (tr == "number_street") return Op::kNumberStreet;
    if (tr == "geohash") return Op::kGeohash;
    if (tr == "first_phonetic") return Op::kFirstPhonetic;
    return Op::kValue;
}

// RarityTerm is a (field, mode) whose values' rarest words a rarity-based term asks for.
struct RarityTerm {
    size_t field;
    bool words_only;  // number_street: words, not numbers
};

// RarityTerms lists, in family and term order, the rarity-based terms of `families` on
// fields that have tokens.
std::vector<RarityTerm> RarityTerms(const RecordData& d, const std::vector<KeyFamily>& families) {
    std::vector<RarityTerm> out;
    for (const KeyFamily& fam : families)
        for (const KeyTerm& term : fam.terms) {
            const Op op = OpOf(term.transform);
            if (op != Op::kRarePhonetic && op != Op::kRareTokens && op != Op::kRarePrefix &&
                op != Op::kNumberStreet)
                continue;
            if (d.fields[term.field].HasTokens())
                out.push_back({term.field, op == Op::kNumberStreet});
        }
    return out;
}

}  // namespace

RareWords::RareWords(const RecordData& d, const std::vector<KeyFamily>& families, int threads)
    : d_(d), memo_(d.fields.size() * 2) {
    // RareWords computes, per field and mode a rarity-based term asks for, every value's
    // rarest words on `threads` threads.
    for (const RarityTerm& term : RarityTerms(d, families)) {
        std::vector<uint32_t>& m = memo_[term.field * 2 + (term.words_only ? 1 : 0)];
        const FieldStore& s = d_.fields[term.field];
        if (!m.empty()) continue;
        m.resize(s.values.size());
        ParallelFor(m.size(), std::max(1, threads), 65536, NoProgress(),
                    [&](size_t begin, size_t end, int) {
                        for (size_t v = begin; v < end; ++v) {
                            size_t pos[2] = {0, 0}, n = 0;
                            RarestTokens(s, static_cast<uint32_t>(v), term.words_only, pos, n);
                            // n (2 bits) | first position (15) | second position (15)
                            const bool fits =
                                (n < 1 || pos[0] < 0x7FFF) && (n < 2 || pos[1] < 0x7FFF);
                            m[v] = !fits ? kUncached
                                         : static_cast<uint32_t>(n) << 30 |
                                               static_cast<uint32_t>(n > 0 ? pos[0] : 0) << 15 |
                                               static_cast<uint32_t>(n == 2 ? pos[1] : 0);
                        }
                    });
    }
}

void RareWords::Get(size_t field, uint32_t v, bool words_only, size_t out[2], size_t& n) const {
    // Get reads the memo, or computes what it lacks.
    const std::vector<uint32_t>& m = memo_[field * 2 + (words_only ? 1 : 0)];
    const uint32_t e = v < m.size() ? m[v] : kUncached;
    if (e == kUncached) {
        RarestTokens(d_.fields[field], v, words_only, out, n);
        return;
    }
    n = e >> 30;
    out[0] = (e >> 15) & 0x7FFF;
    out[1] = e & 0x7FFF;
}

namespace {

// Parts appends the key parts of `term` for record r (nothing when its value is missing).
void Parts(const RecordData& d, const KeyTerm& term, Op op, uint32_t r, const RareWords& rare,
           std::vector<uint64_t>& out) {
    const FieldStore& s = d.fields[term.field];
    uint32_t v = s.value_of[r];
    if (v == kMissing) return;
    if (op == Op::kValue) {
        out.push_back(v);
    } else if (op == Op::kPrefix) {
        std::string_view text = s.values.Get(v);
        out.push_back(HashBytes(text.substr(0, static_cast<size_t>(term.length))));
    } else if (op == Op::kTokens || op == Op::kPhonetic) {
        if (!s.HasTokens()) {
            out.push_back(v);
            return;
        }
        const uint32_t* t = s.TokensBegin(v);
        size_t begin = out.size();
        for (size_t i = 0; i < s.TokenCount(v); ++i)
            out.push_back(op == Op::kTokens ? t[i] : s.token_phonetic[t[i]]);
        std::sort(out.begin() + begin, out.end());
        out.erase(std::unique(out.begin() + begin, out.end()), out.end());
    } else if (op == Op::kRarePhonetic || op == Op::kRareTokens) {
        size_t pos[2], n = 0;
        rare.Get(term.field, v, false, pos, n);
        const uint32_t* t = s.TokensBegin(v);
        for (size_t i = 0; i < n; ++i)
            out.push_back(op == Op::kRareTokens ? t[pos[i]] : s.token_phonetic[t[pos[i]]]);
        if (n == 2 && out[out.size() - 1] == out[out.size() - 2]) out.pop_back();
    } else if (op == Op::kFirstPhonetic) {
        const uint32_t* t = s.TokensBegin(v);
        for (size_t i = 0; i < s.TokenCount(v); ++i)
            if (s.tokens.Get(t[i]).size() >= 2) {
                out.push_back(s.token_phonetic[t[i]]);
                break;
            }
    } else if (op == Op::kSorted) {
        out.push_back(s.sorted_of.empty() ? v : s.sorted_of[v]);
    } else if (op == Op::kRarePrefix) {
        size_t pos[2], n = 0;
        rare.Get(term.field, v, false, pos, n);
        const uint32_t* t = s.TokensBegin(v);
        for (size_t i = 0; i < n; ++i)
            out.push_back(
                HashBytes(s.tokens.Get(t[pos[i]]).substr(0, static_cast<size_t>(term.length))));
        if (n == 2 && out[out.size() - 1] == out[out.size() - 2]) out.pop_back();
    } else if (op == Op::kNumberStreet) {
        const uint32_t* t = s.TokensBegin(v);
        uint64_t number = kMissing;
        for (size_t i = 0; i < s.TokenCount(v) && number == kMissing; ++i) {
            std::string_view text = s.tokens.Get(t[i]);
            if (!text.empty() && text[0] >= '0' && text[0] <= '9') number = t[i];
        }
        size_t pos[2], n = 0;
        rare.Get(term.field, v, true, pos, n);
        if (n > 0) out.push_back(Mix(number, s.token_phonetic[t[pos[0]]]));
    } else if (op == Op::kGeohash) {
        // Geohash cells: 5*len bits split between longitude (ceil) and latitude (floor).
        int bits = 5 * term.length;
        double cell_lat = 180.0 / std::ldexp(1.0, bits / 2);
        double cell_lon = 360.0 / std::ldexp(1.0, bits - bits / 2);
        double lat = s.num_a[v] + 90.0, lon = s.num_b[v] + 180.0;
        for (int grid = 0; grid < 2; ++grid) {
            double shift = grid * 0.5;
            auto i = static_cast<int64_t>(std::floor(lat / cell_lat + shift));
            auto j = static_cast<int64_t>(std::floor(lon / cell_lon + shift));
            out.push_back(Mix(Mix(static_cast<uint64_t>(grid), static_cast<uint64_t>(i)),
                              static_cast<uint64_t>(j)));
        }
    }
}

struct Entry {
    uint64_t hash;
    uint32_t record;
    bool operator<(const Entry& o) const {
        return hash != o.hash ? hash < o.hash : record < o.record;
    }
};

// SortByHash sorts entries by hash, stably: entries are appended in record order, so the
// result is their order by (hash, record), as std::sort by operator< gives.
void SortByHash(std::vector<Entry>& v) {
    StableRadixSort(v, 64, [](const Entry& e) { return e.hash; });
}

// SortByName orders the records of an oversize block by their sort text: the first name
// or address field's sorted words (else field 0's value), missing values last; false when
// they all share one text (a window would then pair them at random).
bool SortByName(const RecordData& d, std::vector<uint32_t>& members) {
    size_t field = 0;
    for (size_t f = 0; f < d.fields.size(); ++f)
        if (d.fields[f].kind == FieldKind::kName || d.fields[f].kind == FieldKind::kAddress) {
            field = f;
            break;
        }
    const FieldStore& s = d.fields[field];
    bool sorted = !s.sorted_of.empty();
    auto text = [&](uint32_t r) {
        uint32_t v = s.value_of[r];
        if (v == kMissing) return std::string_view("\xff");
        return sorted ? s.sorted.Get(s.sorted_of[v]) : s.values.Get(v);
    };
    std::sort(members.begin(), members.end(), [&](uint32_t x, uint32_t y) {
        std::string_view tx = text(x), ty = text(y);
        return tx != ty ? tx < ty : x < y;
    });
    return !members.empty() && text(members.front()) != text(members.back());
}

// Emit appends the pair (x, y) unless it joins a record to itself or to its own source.
inline void Emit(const RecordData& d, bool one_per_source, uint32_t x, uint32_t y,
                 std::vector<uint64_t>& pairs) {
    if (x == y) return;
    if (one_per_source && d.source[x] == d.source[y]) return;
    if (x > y) std::swap(x, y);
    pairs.push_back(uint64_t{x} << 32 | y);
}

// RecordKeys puts record r's keys of family number fi into `keys` (at most 16).
void RecordKeys(const RecordData& d, const KeyFamily& fam, const std::vector<Op>& ops, size_t fi,
                uint32_t r, const RareWords& rare, std::vector<uint64_t>& keys,
                std::vector<uint64_t>& next, std::vector<uint64_t>& parts) {
    keys.assign(1, Mix(0x5EED, fi));
    for (size_t ti = 0; ti < fam.terms.size(); ++ti) {
        parts.clear();
        Parts(d, fam.terms[ti], ops[ti], r, rare, parts);
        next.clear();
        for (uint64_t k : keys)
            for (uint64_t p : parts) next.push_back(Mix(k, p));
        keys.swap(next);
        if (keys.empty() || keys.size() > 16) break;
    }
    if (keys.size() > 16) keys.resize(16);
}

}  // namespace

std::vector<uint64_t> BlockingKeyHashes(const RecordData& d, const std::vector<KeyFamily>& families,
                                        const RareWords* words, int threads) {
    // BlockingKeyHashes folds the words each rarity-based term picks: given the record's
    // values, they alone decide its keys (their text, as ids differ from run to run).
    // Records in parallel, each folding its terms in family order.
    const std::vector<RarityTerm> terms = RarityTerms(d, families);
    std::optional<RareWords> own;
    if (words == nullptr) words = &own.emplace(d, families, threads);
    const RareWords& rare = *words;
    std::vector<uint64_t> out(d.size(), 0x243F6A8885A308D3ull);
    ParallelFor(d.size(), std::max(1, threads), 65536, NoProgress(),
                [&](size_t begin, size_t end, int) {
                    for (size_t r = begin; r < end; ++r) {
                        uint64_t h = out[r];
                        for (const RarityTerm& term : terms) {
                            const FieldStore& s = d.fields[term.field];
                            const uint32_t v = s.value_of[r];
                            if (v == kMissing) continue;
                            size_t pos[2] = {0, 0}, n = 0;
                            rare.Get(term.field, v, term.words_only, pos, n);
                            const uint32_t* t = s.TokensBegin(v);
                            h = Mix(h, n);
                            for (size_t i = 0; i < n; ++i)
                                h = Mix(h, HashBytes(s.tokens.Get(t[pos[i]])));
                        }
                        out[r] = h;
                    }
                });
    return out;
}

std::vector<KeyFamily> DefaultFamilies(const ResolverConfig& c) {
    // DefaultFamilies applies the per-kind table of the design comment.
    std::vector<size_t> names, addresses, texts, codes, geos, singles;
    for (size_t f = 0; f < c.fields.size(); ++f) {
        if (!c.fields[f].blocking) continue;
        switch (c.fields[f].kind) {
            case FieldKind::kName:
                names.push_back(f);
                break;
            case FieldKind::kAddress:
                addresses.push_back(f);
                break;
            case FieldKind::kText:
                texts.push_back(f);
                break;
            case FieldKind::kCode:
                codes.push_back(f);
                break;
            case FieldKind::kGeo:
                geos.push_back(f);
                break;
            case FieldKind::kIdentifier:
            case FieldKind::kExact:
            case FieldKind::kDate:
                singles.push_back(f);
                break;
            case FieldKind::kNumber:
                break;
        }
    }
    std::vector<KeyFamily> out;
    auto add = [&](std::vector<KeyTerm> terms) {
        KeyFamily k;
        for (const auto& t : terms) {
            if (!k.name.empty()) k.name += '+';
            k.name += c.fields[t.field].name + ":" + t.transform;
            if (t.length) k.name += std::to_string(t.length);
        }
        k.terms = std::move(terms);
        out.push_back(std::move(k));
    };
    bool located = !codes.empty() || !geos.empty();
    for (size_t n : names) {
        if (!located) add({{n, "rare_phonetic", 0}});
        for (size_t k : codes) add({{n, "rare_phonetic", 0}, {k, "value", 0}});
        for (size_t g : geos) add({{n, "rare_phonetic", 0}, {g, "geohash", 5}});
        for (size_t k : codes) add({{n, "first_phonetic", 0}, {k, "value", 0}});
        add({{n, "sorted", 0}});
    }
    for (size_t a : addresses) {
        if (!located) add({{a, "number_street", 0}});
        for (size_t k : codes) add({{a, "number_street", 0}, {k, "value", 0}});
        for (size_t g : geos) add({{a, "number_street", 0}, {g, "geohash", 5}});
        for (size_t n : names) add({{n, "first_phonetic", 0}, {a, "number_street", 0}});
    }
    for (size_t t : texts) add({{t, "rare_tokens", 0}});
    for (size_t s : singles) add({{s, "value", 0}});
    if (names.empty() && addresses.empty() && texts.empty()) {
        for (size_t k : codes) add({{k, "value", 0}});
        for (size_t g : geos) add({{g, "geohash", 7}});
    }
    return out;
}

std::vector<KeyFamily> ExplicitFamilies(const ResolverConfig& c) {
    // ExplicitFamilies copies the config's terms.
    std::vector<KeyFamily> out;
    for (const auto& rule : c.blocking) {
        KeyFamily k;
        for (const auto& t : rule) {
            if (!k.name.empty()) k.name += '+';
            k.name += c.fields[t.field].name + ":" + t.transform;
            if (t.length) k.name += std::to_string(t.length);
            k.terms.push_back({t.field, t.transform, t.length});
        }
        out.push_back(std::move(k));
    }
    return out;
}

void SortUnique(std::vector<uint64_t>& v) {
    // SortUnique radix-sorts (util/radix_sort.hpp), then drops repeats.
    StableRadixSort(v, 64, [](uint64_t x) { return x; });
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

namespace {

// FamilyResult is what blocking one family found.
struct FamilyResult {
    bool dropped = false;
    size_t blocks = 0, oversize = 0, skipped = 0;
    std::vector<uint64_t> pairs;
    FamilySample sample;
};

// BlockFamily runs the three phases for family number fi (see the top of the file);
// `entries` is the calling thread's buffer.
void BlockFamily(const RecordData& d, const ResolverConfig& config, const KeyFamily& fam, size_t fi,
                 const RareWords& rare, const std::vector<uint8_t>* touched,
                 std::vector<Entry>& entries, FamilyResult& out) {
    const size_t n = d.size(), max_block = config.max_block_size, window = config.window;
    const bool one_per_source = config.one_per_source;
    std::vector<uint64_t> keys, next, parts;
    std::vector<Op> ops;
    for (const KeyTerm& term : fam.terms) ops.push_back(OpOf(term.transform));
    entries.clear();
    for (uint32_t r = 0; r < n; ++r) {
        RecordKeys(d, fam, ops, fi, r, rare, keys, next, parts);
        for (uint64_t k : keys) entries.push_back({k, r});
    }
    SortByHash(entries);
    entries.erase(std::unique(entries.begin(), entries.end(),
                              [](const Entry& x, const Entry& y) {
                                  return x.hash == y.hash && x.record == y.record;
                              }),
                  entries.end());
    // Is the family selective? Count entries that sit in oversize blocks.
    size_t in_oversize = 0;
    for (size_t i = 0; i < entries.size();) {
        size_t j = i;
        while (j < entries.size() && entries[j].hash == entries[i].hash) ++j;
        if (j - i >= 2) ++out.blocks;
        if (j - i > max_block) {
            in_oversize += j - i;
            ++out.oversize;
        }
        i = j;
    }
    if (entries.empty() || in_oversize * 2 > entries.size()) {
        out.dropped = true;
        return;
    }
    std::vector<uint32_t> members;
    std::vector<uint64_t>& pairs = out.pairs;
    for (size_t i = 0; i < entries.size();) {
        size_t j = i;
        while (j < entries.size() && entries[j].hash == entries[i].hash) ++j;
        size_t size = j - i;
        // An incremental run wants only blocks with a touched record, and their pairs
        // that include one.
        bool wanted = touched == nullptr;
        for (size_t x = i; !wanted && x < j; ++x) wanted = (*touched)[entries[x].record];
        auto keep = [&](uint32_t a, uint32_t b) {
            return touched == nullptr || (*touched)[a] || (*touched)[b];
        };
        if (!wanted) {
            i = j;
            continue;
        }
        if (size >= 2 && size <= max_block) {
            for (size_t x = i; x < j; ++x)
                for (size_t y = x + 1; y < j; ++y)
                    if (keep(entries[x].record, entries[y].record))
                        Emit(d, one_per_source, entries[x].record, entries[y].record, pairs);
        } else if (size > max_block) {
            members.clear();
            for (size_t x = i; x < j; ++x) members.push_back(entries[x].record);
            if (!SortByName(d, members)) {
                ++out.skipped;
                i = j;
                continue;
            }
            for (size_t x = 0; x < members.size(); ++x)
                for (size_t y = x + 1; y < members.size() && y <= x + window; ++y)
                    if (keep(members[x], members[y]))
                        Emit(d, one_per_source, members[x], members[y], pairs);
        }
        i = j;
    }
    // Keep an evenly spaced sample of the family's pairs for estimating m.
    for (const KeyTerm& t : fam.terms) out.sample.fields.push_back(t.field);
    out.sample.emitted = pairs.size();
    size_t step = std::max<size_t>(1, pairs.size() / kFamilySample);
    for (size_t k = 0; k < pairs.size(); k += step) out.sample.pairs.push_back(pairs[k]);
    SortUnique(out.sample.pairs);
}

}  // namespace

std::vector<uint64_t> CandidatePairs(const RecordData& d, const ResolverConfig& config,
                                     const std::vector<KeyFamily>& families, BlockingStats& stats,
                                     Progress& progress, const std::vector<uint8_t>* touched,
                                     const RareWords* words) {
    // CandidatePairs finds every value's rarest words once (in parallel), blocks the
    // families on config.threads threads (a family to a thread at a time), then gathers
    // their results in family order and sorts and deduplicates the pairs.
    const int threads = std::max(1, config.threads);
    std::optional<RareWords> own;
    if (words == nullptr) words = &own.emplace(d, families, threads);
    const RareWords& rare = *words;
    std::vector<FamilyResult> results(families.size());
    std::vector<std::vector<Entry>> entries(static_cast<size_t>(threads));
    ParallelFor(families.size(), threads, 1, progress, [&](size_t begin, size_t end, int t) {
        for (size_t fi = begin; fi < end; ++fi)
            BlockFamily(d, config, families[fi], fi, rare, touched, entries[static_cast<size_t>(t)],
                        results[fi]);
    });
    std::vector<std::vector<Entry>>().swap(entries);
    size_t total = 0;
    for (const FamilyResult& r : results) total += r.pairs.size();
    std::vector<uint64_t> pairs;
    pairs.reserve(total);
    for (size_t fi = 0; fi < families.size(); ++fi) {
        FamilyResult& r = results[fi];
        if (r.dropped) {
            stats.dropped_families.push_back(families[fi].name);
            continue;
        }
        stats.families.push_back(families[fi].name);
        stats.blocks += r.blocks;
        stats.oversize_blocks += r.oversize;
        stats.skipped_blocks += r.skipped;
        pairs.insert(pairs.end(), r.pairs.begin(), r.pairs.end());
        std::vector<uint64_t>().swap(r.pairs);
        stats.samples.push_back(std::move(r.sample));
    }
    SortUnique(pairs);
    return pairs;
}

}  // namespace nightjar::core::resolve

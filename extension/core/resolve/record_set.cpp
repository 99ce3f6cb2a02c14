// record_set.cpp: RecordSet — normalising, interning and storing records as they arrive.
//
// Add normalises each value by its field's kind (normalize.cpp), interns the result
// (a distinct value is parsed and tokenised once, whatever the number of records that
// carry it) and appends 4 bytes per field to the record. Interner is an open-addressing
// table of ids over one text arena, load factor <= 1/2: ~8 bytes of table per distinct
// string plus the text itself, no per-string allocation. Time: O(value length) per value,
// ICU only for non-ASCII text outside Latin-1. An address ending with "<5 digits> <town>"
// is stored without them, and that postcode fills a missing code field named like a
// postcode ("postcode", "cp", "zip", "code_postal").
#include "core/resolve/record_set.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/errors.hpp"
#include "core/resolve/normalize.hpp"
#include "core/resolve/record_data.hpp"
#include "core/resolve/resolver.hpp"
#include "core/text/transforms.hpp"
#include "core/text/utf8.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::resolve {

uint64_t HashBytes(std::string_view s, uint64_t seed) {
    // HashBytes mixes 8 bytes at a time (multiply-xorshift), then the tail.
    const uint64_t k = 0x9E3779B97F4A7C15ULL;
    uint64_t h = seed ^ (s.size() * k);
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    uint64_t tail = 0;
    for (size_t j = 0; i < s.size(); ++i, ++j)
        tail |= uint64_t{static_cast<unsigned char>(s[i])} << (8 * j);
    h = (h ^ tail) * 0x94D049BB133111EBULL;
    h ^= h >> 29;
    h *= k;
    return h ^ (h >> 32);
}

void Interner::Grow() {
    // Grow rebuilds the slot table at twice the size from the stored hashes.
    size_t cap = slots_.empty() ? 64 : slots_.size() * 2;
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(cap, 0);
    for (uint64_t e : old) {
        if (e == 0) continue;
        size_t slot = (e >> 32) & (cap - 1);
        while (slots_[slot] != 0) slot = (slot + 1) & (cap - 1);
        slots_[slot] = e;
    }
}

uint32_t Interner::Find(std::string_view s) const {
    // Find probes linearly from the hash slot.
    if (slots_.empty()) return kMissing;
    const size_t mask = slots_.size() - 1;
    const uint64_t tag = HashBytes(s) & 0xFFFFFFFFu;
    for (size_t slot = tag & mask;; slot = (slot + 1) & mask) {
        const uint64_t e = slots_[slot];
        if (e == 0) return kMissing;
        const uint32_t id = static_cast<uint32_t>(e) - 1;
        if ((e >> 32) == tag && Get(id) == s) return id;
    }
}

uint32_t Interner::Intern(std::string_view s, bool* added) {
    // Intern finds `s` or appends it to the arena.
    if ((size() + 1) * 2 > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    const uint64_t tag = HashBytes(s) & 0xFFFFFFFFu;
    size_t slot = tag & mask;
    for (;; slot = (slot + 1) & mask) {
        const uint64_t e = slots_[slot];
        if (e == 0) break;
        const uint32_t id = static_cast<uint32_t>(e) - 1;
        if ((e >> 32) == tag && Get(id) == s) {
            if (added) *added = false;
            return id;
        }
    }
    if (size() >= kMissing - 1) throw DataError("too many distinct values in one field");
    uint32_t id = static_cast<uint32_t>(size());
    arena_.append(s.data(), s.size());
    offsets_.push_back(arena_.size());
    slots_[slot] = tag << 32 | (uint64_t{id} + 1);
    if (added) *added = true;
    return id;
}

size_t FieldStore::MemoryBytes() const {
    // MemoryBytes adds the capacities of every container.
    return value_of.capacity() * 4 + values.MemoryBytes() + value_count.capacity() * 4 +
           token_begin.capacity() * 4 + value_tokens.capacity() * 4 + sorted_of.capacity() * 4 +
           sorted.MemoryBytes() + tokens.MemoryBytes() + token_df.capacity() * 4 +
           token_phonetic.capacity() * 4 + phonetics.MemoryBytes() +
           (num_a.capacity() + num_b.capacity()) * 8 + valid.capacity();
}

namespace {

// ParseNumber reads a decimal with '.' or ',' as separator; false when not a number.
bool ParseNumber(std::string_view s, double& out) {
    char small[48];  // a coordinate or an amount: parsed without an allocation or strtod
    size_t len = 0;
    for (char c : s) {
        if (c == ' ' || c == '\t') continue;
        if (len == sizeof small) break;
        small[len++] = c == ',' ? '.' : c;
    }
    if (len > 0 && len < sizeof small && (small[0] != '+' && small[0] != '.')) {
        // from_chars rounds as strtod does; what it does not read (a sign '+', hex, a
        // trailing unit) goes the general way below.
        auto [end, ec] = std::from_chars(small, small + len, out);
        if (ec == std::errc() && end == small + len && std::isfinite(out)) return true;
    }
    std::string t;
    for (char c : s) {
        if (c == ' ' || c == '\t') continue;
        t += c == ',' ? '.' : c;
    }
    if (t.empty()) return false;
    char* end = nullptr;
    out = std::strtod(t.c_str(), &end);
    if (end == t.c_str() + t.size() && std::isfinite(out)) return true;
    auto fr = text::ParseDecimalFr(s);
    if (!fr) return false;
    out = std::strtod(fr->c_str(), nullptr);
    return std::isfinite(out);
}

// Canonicalize normalises one raw value for its kind; false when unusable.
bool Canonicalize(FieldKind kind, std::string_view raw, CanonicalValue& c) {
    switch (kind) {
        case FieldKind::kName:
            c.text = NormalizeName(raw);
            break;
        case FieldKind::kAddress:
            c.text = NormalizeAddress(raw);
            break;
        case FieldKind::kText:
            c.text = FoldText(raw);
            break;
        case FieldKind::kCode:
            c.text = NormalizeCode(raw);
            break;
        case FieldKind::kIdentifier:
            c.text = NormalizeCode(raw);
            c.valid = (c.text.size() == 9 && text::CleanSiren(c.text)) ||
                      (c.text.size() == 14 && text::CleanSiret(c.text));
            break;
        case FieldKind::kExact:
            c.text = NormalizeExact(raw);
            break;
        case FieldKind::kDate: {
            auto iso = text::ParseDateFr(raw.substr(0, std::min<size_t>(raw.size(), 10)));
            if (!iso) iso = text::ParseDateFr(raw);
            if (!iso || iso->size() != 10) return false;
            c.text = *iso;
            c.a = std::atoi(iso->c_str()) * 10000.0 + std::atoi(iso->c_str() + 5) * 100.0 +
                  std::atoi(iso->c_str() + 8);
            break;
        }
        case FieldKind::kNumber: {
            if (!ParseNumber(raw, c.a)) return false;
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.15g", c.a);
            c.text = buf;
            break;
        }
        case FieldKind::kGeo: {
            size_t comma = raw.find(',');
            if (comma == std::string_view::npos) return false;
            std::string_view lat = raw.substr(0, comma), lon = raw.substr(comma + 1);
            if (!lat.empty() && lat.front() == '(') return false;  // a point "(x,y)" is ambiguous
            if (!ParseNumber(lat, c.a) || !ParseNumber(lon, c.b)) return false;
            if (c.a < -90 || c.a > 90 || c.b < -180 || c.b > 180) return false;
            // "%.6f,%.6f" by to_chars (the same digits: both round the exact value)
            char buf[96];
            char* p = std::to_chars(buf, buf + 40, c.a, std::chars_format::fixed, 6).ptr;
            *p++ = ',';
            p = std::to_chars(p, buf + sizeof buf, c.b, std::chars_format::fixed, 6).ptr;
            c.text.assign(buf, p);
            break;
        }
    }
    return !c.text.empty();
}

// AddValue interns a new distinct value's derived data (tokens, numbers) for its kind.
void AddDerived(FieldStore& f, const CanonicalView& c) {
    if (f.HasTokens()) {
        std::vector<std::string_view> toks;
        SplitTokens(c.text, toks);
        if (f.kind == FieldKind::kText) {
            std::sort(toks.begin(), toks.end());
            toks.erase(std::unique(toks.begin(), toks.end()), toks.end());
        }
        for (auto t : toks) {
            bool added = false;
            uint32_t id = f.tokens.Intern(t, &added);
            if (added) {
                f.token_df.push_back(0);
                f.token_phonetic.push_back(
                    f.kind == FieldKind::kText ? id : f.phonetics.Intern(PhoneticToken(t)));
            }
            f.value_tokens.push_back(id);
        }
        f.token_begin.push_back(static_cast<uint32_t>(f.value_tokens.size()));
        if (f.kind != FieldKind::kText) {
            std::sort(toks.begin(), toks.end());
            std::string joined;
            for (auto t : toks) {
                if (!joined.empty()) joined += ' ';
                joined.append(t.data(), t.size());
            }
            f.sorted_of.push_back(f.sorted.Intern(joined));
        }
    }
    if (f.kind == FieldKind::kNumber || f.kind == FieldKind::kGeo || f.kind == FieldKind::kDate) {
        f.num_a.push_back(c.a);
        f.num_b.push_back(c.b);
    }
    if (f.kind == FieldKind::kIdentifier) f.valid.push_back(c.valid ? 1 : 0);
}

// HasFiveDigits says whether s holds a run of exactly five digits (a French postcode).
bool HasFiveDigits(std::string_view s) {
    size_t run = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
        if (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ++run;
        } else {
            if (run == 5) return true;
            run = 0;
        }
    }
    return false;
}

// IsPostcodeName says whether a code field's name says it holds postcodes.
bool IsPostcodeName(std::string_view name) {
    std::string lower = text::AsciiLower(name);
    for (const char* word : {"post", "zip", "cp", "code_postal", "codepostal", "plz"})
        if (lower.find(word) != std::string::npos) return true;
    return false;
}

// CanonicalizeRow normalises one record's values (get(i): the i-th raw value) into `out`.
// French addresses often carry "75002 Paris" at their end: the street alone is compared,
// and the postcode fills a missing postcode-like code field.
template <typename Get>
void CanonicalizeRow(const ResolverConfig& config, size_t n, Get get,
                     std::vector<CanonicalValue>& out) {
    if (n != config.fields.size())
        throw InvalidArgument("a record needs " + std::to_string(config.fields.size()) +
                              " values (one per field), got " + std::to_string(n));
    out.resize(n);
    std::string street, postcode;
    for (size_t i = 0; i < n; ++i) {
        if (config.fields[i].kind != FieldKind::kAddress) continue;
        std::optional<std::string_view> raw = get(i);
        if (raw && HasFiveDigits(*raw)) {
            auto split = text::SplitAddress(*raw);
            if (split && !split->street.empty()) {
                street = split->street;
                postcode = split->postcode;
            }
        }
        break;
    }
    bool street_used = false;
    for (size_t i = 0; i < n; ++i) {
        const FieldKind kind = config.fields[i].kind;
        std::optional<std::string_view> raw = get(i);
        if (!street.empty() && !street_used && kind == FieldKind::kAddress) {
            raw = street;  // a view of `street`, which lives until the end of the loop
            street_used = true;
        } else if (!raw && !postcode.empty() && kind == FieldKind::kCode &&
                   IsPostcodeName(config.fields[i].name)) {
            raw = postcode;
        }
        CanonicalValue& c = out[i];
        c.text.clear();
        c.a = c.b = 0;
        c.valid = false;
        c.present = raw && Canonicalize(kind, *raw, c);
    }
}

}  // namespace

void RecordSet::Canonicalize(const ResolverConfig& config,
                             const std::vector<std::optional<std::string_view>>& values,
                             std::vector<CanonicalValue>& out) {
    // Canonicalize forwards views.
    CanonicalizeRow(
        config, values.size(), [&](size_t i) { return values[i]; }, out);
}

uint32_t RecordSet::AddCanonical(uint32_t source, std::string_view key,
                                 const std::vector<CanonicalView>& row) {
    // AddCanonical interns each present value (its derived data when new) and counts it.
    RecordData& d = *data_;
    if (row.size() != d.fields.size())
        throw InvalidArgument("a record needs " + std::to_string(d.fields.size()) +
                              " values (one per field), got " + std::to_string(row.size()));
    if (d.size() >= kMissing - 1) throw DataError("too many records for one resolution");
    for (size_t i = 0; i < row.size(); ++i) {
        FieldStore& f = d.fields[i];
        const CanonicalView& c = row[i];
        uint32_t id = kMissing;
        if (c.present) {
            bool added = false;
            id = f.values.Intern(c.text, &added);
            if (added) {
                f.value_count.push_back(0);
                AddDerived(f, c);
            }
            ++f.value_count[id];
            ++f.present;
            if (f.HasTokens()) {
                // Document frequency counts a token once per record.
                const uint32_t* t = f.TokensBegin(id);
                size_t k = f.TokenCount(id);
                for (size_t j = 0; j < k; ++j) {
                    bool seen = false;
                    for (size_t q = 0; q < j && !seen; ++q) seen = t[q] == t[j];
                    if (!seen) ++f.token_df[t[j]];
                }
            }
        }
        f.value_of.push_back(id);
    }
    d.source.push_back(source);
    d.key_arena.append(key.data(), key.size());
    d.key_end.push_back(d.key_arena.size());
    return static_cast<uint32_t>(d.size() - 1);
}

namespace {

// AddRecord appends one record whose i-th value is get(i): Canonicalize, then AddCanonical.
template <typename Get>
uint32_t AddRecord(RecordSet& set, const ResolverConfig& config, uint32_t source,
                   std::string_view key, size_t n, Get get) {
    std::vector<CanonicalValue> values;
    CanonicalizeRow(config, n, get, values);
    std::vector<CanonicalView> views(values.size());
    for (size_t i = 0; i < values.size(); ++i)
        views[i] = CanonicalView{values[i].present, values[i].text, values[i].a, values[i].b,
                                 values[i].valid};
    return set.AddCanonical(source, key, views);
}

}  // namespace

RecordSet::RecordSet(const ResolverConfig& config) : data_(std::make_unique<RecordData>()) {
    // RecordSet copies the config and prepares one store per field.
    data_->config = config;
    data_->fields.resize(config.fields.size());
    for (size_t i = 0; i < config.fields.size(); ++i) data_->fields[i].kind = config.fields[i].kind;
}

RecordSet::~RecordSet() = default;
RecordSet::RecordSet(RecordSet&&) noexcept = default;
RecordSet& RecordSet::operator=(RecordSet&&) noexcept = default;

uint32_t RecordSet::Add(uint32_t source, std::string_view key,
                        const std::vector<std::optional<std::string_view>>& values) {
    // Add forwards views.
    return AddRecord(*this, data_->config, source, key, values.size(),
                     [&](size_t i) { return values[i]; });
}

uint32_t RecordSet::Add(uint32_t source, std::string_view key,
                        const std::vector<std::optional<std::string>>& values) {
    // Add views owned strings.
    return AddRecord(*this, data_->config, source, key, values.size(),
                     [&](size_t i) -> std::optional<std::string_view> {
                         if (!values[i]) return std::nullopt;
                         return std::string_view(*values[i]);
                     });
}

size_t RecordSet::size() const { return data_->size(); }

uint32_t RecordSet::Source(uint32_t record) const { return data_->source.at(record); }

std::string_view RecordSet::Key(uint32_t record) const {
    // Key slices the key arena.
    uint64_t begin = record == 0 ? 0 : data_->key_end.at(record - 1);
    return std::string_view(data_->key_arena).substr(begin, data_->key_end.at(record) - begin);
}

std::string RecordSet::NormalizedValue(uint32_t record, size_t field) const {
    // NormalizedValue returns the interned text.
    const FieldStore& f = data_->fields.at(field);
    uint32_t v = f.value_of.at(record);
    return v == kMissing ? std::string() : std::string(f.values.Get(v));
}

size_t RecordSet::MemoryBytes() const {
    // MemoryBytes adds the record arrays and every field store.
    size_t bytes =
        data_->source.capacity() * 4 + data_->key_end.capacity() * 8 + data_->key_arena.capacity();
    for (const auto& f : data_->fields) bytes += f.MemoryBytes();
    return bytes;
}

}  // namespace nightjar::core::resolve

// record_data.hpp: the internal layout of a RecordSet (engine-only, not for the glue).
//
// Memory per record: 4 (source) + 8 (key offset) + key bytes + 4 per field (value id);
// per distinct value of a field: its normalised text + 8 (offset, count), for token kinds
// 4 per token + 4 (token span) + the sorted-token text, for numeric kinds 16. Tokens and
// phonetic keys are interned once per field. Measured with 5 fields (name, address,
// postcode, SIRET, coordinates; RecordSet::MemoryBytes, bench/resolve_core_bench.cpp):
// 196 bytes per record at 100k records, 151 at 1M (values repeat more), i.e. ~150 MB per
// million records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/resolve/config.hpp"

namespace nightjar::core::resolve {

constexpr uint32_t kMissing = 0xFFFFFFFFu;

// Interner maps strings to dense ids (open addressing over an arena of texts).
class Interner {
  public:
    // Intern returns the id of `s`, adding it when new (then *added is set).
    uint32_t Intern(std::string_view s, bool* added = nullptr);
    // Find returns the id of `s`, or kMissing.
    uint32_t Find(std::string_view s) const;
    // Get returns the text of id.
    std::string_view Get(uint32_t id) const {
        return std::string_view(arena_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]);
    }
    size_t size() const { return offsets_.size() - 1; }
    // MemoryBytes returns the heap bytes held.
    size_t MemoryBytes() const {
        return arena_.capacity() + offsets_.capacity() * 8 + slots_.capacity() * 8;
    }

  private:
    // Grow doubles the slot table and reinserts every id.
    void Grow();
    std::string arena_;
    std::vector<uint64_t> offsets_{0};
    // Open addressing: the low 32 bits of the value's hash << 32 | id + 1 (0: empty), so that
    // a probe compares text only when the hashes agree and growing rehashes nothing.
    std::vector<uint64_t> slots_;
};

// HashBytes is a fast 64-bit hash of bytes (FNV-1a folded with a multiply-mix).
uint64_t HashBytes(std::string_view s, uint64_t seed = 0);

// FieldStore holds one field's values.
struct FieldStore {
    FieldKind kind = FieldKind::kExact;
    std::vector<uint32_t> value_of;        // per record: value id or kMissing
    Interner values;                       // normalised text per value id
    std::vector<uint32_t> value_count;     // per value: records having it
    std::vector<uint32_t> token_begin{0};  // per value: span in value_tokens (token kinds)
    std::vector<uint32_t> value_tokens;    // token ids (text: sorted distinct)
    std::vector<uint32_t> sorted_of;       // per value: id in `sorted` (name, address)
    Interner sorted;                       // the value's tokens sorted, joined by spaces
    Interner tokens;                       // token texts
    std::vector<uint32_t> token_df;        // per token: records containing it
    std::vector<uint32_t> token_phonetic;  // per token: id in `phonetics`
    Interner phonetics;
    std::vector<double> num_a, num_b;  // number; geo lat, lon; date yyyymmdd
    std::vector<uint8_t> valid;        // identifier: checksum-valid SIREN / SIRET
    size_t present = 0;                // records with a value

    // Tokens returns the token ids of value `v`.
    const uint32_t* TokensBegin(uint32_t v) const { return value_tokens.data() + token_begin[v]; }
    size_t TokenCount(uint32_t v) const { return token_begin[v + 1] - token_begin[v]; }
    // HasTokens says whether the kind keeps tokens.
    bool HasTokens() const {
        return kind == FieldKind::kName || kind == FieldKind::kAddress || kind == FieldKind::kText;
    }
    // MemoryBytes returns the heap bytes held.
    size_t MemoryBytes() const;
};

// RecordData is everything a RecordSet stores.
struct RecordData {
    ResolverConfig config;
    std::vector<uint32_t> source;
    std::vector<uint64_t> key_end;  // key of record r: key_arena[key_end[r-1], key_end[r])
    std::string key_arena;
    std::vector<FieldStore> fields;

    size_t size() const { return source.size(); }
};

}  // namespace nightjar::core::resolve

#include "core/cpp_only.hpp"

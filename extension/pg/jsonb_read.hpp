// jsonb_read.hpp: the per-record reading and value making of the quality steps
// (validation, normalisation, the one-pass step), written for their hot loop.
//
// Why (issue 11 §2, perf of validate_batch at 200k records): the JsonbIterator walk of
// each record's top-level object was ~6% of the step (an iterator palloc'd per record,
// each token filled through a generic state machine), the typed decimals' numeric_in ~3%,
// and the hash lookup of every key among the declared fields ~5% (twice per valid record).
//
//   ReadObject     — the top-level pairs of a jsonb object read straight from its JEntry
//                    array (jsonb.h's format, as jsonb_util.c's fillJsonbValue reads it):
//                    the same JsonPairs FlattenObject gives, in the same (stored) order,
//                    with no allocation and nothing that can ereport.
//   DecimalNumeric — the numeric of a canonical decimal text (core ParseDecimal's form:
//                    [-]digits[.digits], no exponent) built from its digits as an int64
//                    and its scale (int64_div_fast_to_numeric), the value and display
//                    scale numeric_in gives; numeric_in itself beyond 18 digits.
//   FieldLookup    — which declared field each of a record's keys is: the declared names
//                    kept in jsonb's key order (shorter first, then bytewise), one merge
//                    walk per record instead of a hash per key.
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "extension/pg/record_io.hpp"

namespace nightjar::pg {

// JsonbKeyLess orders keys as jsonb stores them: shorter first, then bytewise.
inline bool JsonbKeyLess(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return a.size() < b.size();
    return std::memcmp(a.data(), b.data(), a.size()) < 0;
}

// ReadObject replaces `out` with the top-level pairs of `jb` and returns true, or
// returns false (and leaves `out` empty) when `jb` is not an object. The pairs point
// into `jb`.
bool ReadObject(const ::Jsonb* jb, std::vector<JsonPair>* out);

// DecimalNumeric returns the jsonb numeric value of canonical decimal text (palloc'd in
// CurrentMemoryContext).
JsonbValue DecimalNumeric(const std::string& canonical);

// FieldLookup maps a record's keys to the indexes of declared fields.
class FieldLookup {
  public:
    explicit FieldLookup(const std::vector<std::string>& fields);

    // Map sets (*out)[i] to the declared index of pairs[i].key, or -1 when it is not
    // declared. Keys identical to the previous record's (same lengths, same bytes, which
    // a jsonb object stores one after the other) take its mapping again; other pairs in
    // jsonb's key order the merge walk; any other order the hash.
    void Map(const std::vector<JsonPair>& pairs, std::vector<int>* out);

  private:
    // SameKeys says whether `pairs` has exactly the previous record's keys, laid out
    // contiguously.
    bool SameKeys(const std::vector<JsonPair>& pairs) const;
    // Remember keeps `pairs`' keys and their mapping for the next record.
    void Remember(const std::vector<JsonPair>& pairs, const std::vector<int>& map);

    std::vector<std::pair<std::string_view, int>> sorted_;  // in jsonb key order
    std::unordered_map<std::string_view, int> index_;
    std::vector<size_t> last_sizes_;  // the previous record's key lengths
    std::string last_keys_;           // and bytes, one after the other
    std::vector<int> last_map_;
    bool have_last_ = false;
};

}  // namespace nightjar::pg

// jsonb_read.cpp: ReadObject, DecimalNumeric and FieldLookup (see jsonb_read.hpp).
#include "extension/pg/jsonb_read.hpp"

#include <algorithm>
#include <cstring>

extern "C" {
#include "utils/numeric.h"
}

namespace nightjar::pg {

namespace {

// NextOffset returns the offset after entry `je` that starts at `offset` (jsonb.h's
// JBE_ADVANCE_OFFSET: an entry holds either its length or, every JB_OFFSET_STRIDE'th,
// its end offset).
uint32 NextOffset(JEntry je, uint32 offset) {
    return JBE_HAS_OFF(je) ? JBE_OFFLENFLD(je) : offset + JBE_OFFLENFLD(je);
}

// FillValue makes the JsonbValue of entry `je` whose bytes are [offset, end) of `base`,
// as jsonb_util.c's fillJsonbValue does: numerics and containers start at the next
// 4-byte boundary, and a container's length leaves that padding out.
JsonbValue FillValue(JEntry je, char* base, uint32 offset, uint32 end) {
    JsonbValue v;
    if (JBE_ISNULL(je)) {
        v.type = jbvNull;
    } else if (JBE_ISSTRING(je)) {
        v.type = jbvString;
        v.val.string.val = base + offset;
        v.val.string.len = static_cast<int>(end - offset);
    } else if (JBE_ISNUMERIC(je)) {
        v.type = jbvNumeric;
        v.val.numeric = reinterpret_cast<Numeric>(base + INTALIGN(offset));
    } else if (JBE_ISBOOL_TRUE(je) || JBE_ISBOOL_FALSE(je)) {
        v.type = jbvBool;
        v.val.boolean = JBE_ISBOOL_TRUE(je);
    } else {
        v.type = jbvBinary;
        v.val.binary.data = reinterpret_cast<JsonbContainer*>(base + INTALIGN(offset));
        v.val.binary.len = static_cast<int>(end - INTALIGN(offset));
    }
    return v;
}

}  // namespace

bool ReadObject(const ::Jsonb* jb, std::vector<JsonPair>* out) {
    out->clear();
    const JsonbContainer* c = &jb->root;
    if (!JsonContainerIsObject(c)) return false;
    const uint32 n = JsonContainerSize(c);
    out->resize(n);
    // Keys are children [0, n), values [n, 2n); their bytes follow all 2n entries, in
    // the same order, so one running offset serves both.
    char* base = reinterpret_cast<char*>(const_cast<JEntry*>(&c->children[n * 2]));
    uint32 offset = 0;
    for (uint32 i = 0; i < n; ++i) {
        const uint32 end = NextOffset(c->children[i], offset);
        (*out)[i].key = std::string_view(base + offset, end - offset);
        offset = end;
    }
    for (uint32 i = 0; i < n; ++i) {
        const JEntry je = c->children[n + i];
        const uint32 end = NextOffset(je, offset);
        (*out)[i].value = FillValue(je, base, offset, end);
        offset = end;
    }
    return true;
}

JsonbValue DecimalNumeric(const std::string& canonical) {
    // Up to 18 digits fit an int64 whatever they are; the scale is the number of digits
    // after '.'. int64_div_fast_to_numeric first multiplies the int64 by 10^(4 - scale %
    // 4) when the scale is not a multiple of 4, and on overflow takes a slow path (in
    // some releases computing 10^scale in an int, wrong beyond 9 fraction digits): a
    // value whose multiplication would overflow goes to numeric_in instead.
    std::string_view s = canonical;
    const bool negative = !s.empty() && s[0] == '-';
    if (negative) s.remove_prefix(1);
    int64 digits = 0;
    int count = 0, scale = -1;
    bool plain = !s.empty();
    for (char c : s) {
        if (c == '.' && scale < 0) {
            scale = 0;
            continue;
        }
        if (c < '0' || c > '9' || ++count > 18) {
            plain = false;
            break;
        }
        if (scale >= 0) ++scale;
        digits = digits * 10 + (c - '0');
    }
    if (!plain || scale == 0) return NumericFromText(canonical);  // "1." is not canonical
    if (scale < 0) scale = 0;
    static constexpr int64 kFactor[] = {1, 1000, 100, 10};  // by scale % 4
    int64 scaled;
    if (__builtin_mul_overflow(digits, kFactor[scale % 4], &scaled))
        return NumericFromText(canonical);
    if (negative) digits = -digits;
    return NumericValue(PgCall([&] { return int64_div_fast_to_numeric(digits, scale); }));
}

FieldLookup::FieldLookup(const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
        sorted_.emplace_back(fields[i], static_cast<int>(i));
        index_.emplace(fields[i], static_cast<int>(i));
    }
    std::sort(sorted_.begin(), sorted_.end(),
              [](const auto& a, const auto& b) { return JsonbKeyLess(a.first, b.first); });
}

bool FieldLookup::SameKeys(const std::vector<JsonPair>& pairs) const {
    if (!have_last_ || pairs.size() != last_sizes_.size()) return false;
    for (size_t i = 0; i < pairs.size(); ++i) {
        if (pairs[i].key.size() != last_sizes_[i]) return false;
        if (i > 0 && pairs[i].key.data() != pairs[i - 1].key.data() + pairs[i - 1].key.size())
            return false;  // not contiguous: compare no further
    }
    return pairs.empty() ||
           std::memcmp(pairs[0].key.data(), last_keys_.data(), last_keys_.size()) == 0;
}

void FieldLookup::Remember(const std::vector<JsonPair>& pairs, const std::vector<int>& map) {
    last_sizes_.clear();
    last_keys_.clear();
    for (const JsonPair& p : pairs) {
        last_sizes_.push_back(p.key.size());
        last_keys_.append(p.key.data(), p.key.size());
    }
    last_map_ = map;
    have_last_ = true;
}

void FieldLookup::Map(const std::vector<JsonPair>& pairs, std::vector<int>* out) {
    if (SameKeys(pairs)) {
        *out = last_map_;
        return;
    }
    out->assign(pairs.size(), -1);
    size_t j = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
        const std::string_view key = pairs[i].key;
        if (i > 0 && !JsonbKeyLess(pairs[i - 1].key, key)) {  // not jsonb's order: hash them all
            for (size_t k = 0; k < pairs.size(); ++k) {
                auto it = index_.find(pairs[k].key);
                (*out)[k] = it == index_.end() ? -1 : it->second;
            }
            have_last_ = false;
            return;
        }
        while (j < sorted_.size() && JsonbKeyLess(sorted_[j].first, key)) ++j;
        if (j < sorted_.size() && sorted_[j].first == key) (*out)[i] = sorted_[j].second;
    }
    Remember(pairs, *out);
}

}  // namespace nightjar::pg

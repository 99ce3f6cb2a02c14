// jsonb_object.cpp: BuildObject (record_io.hpp) — a flat jsonb object written straight
// into its on-disk format.
//
// Why: validation writes every converted record again and normalisation writes every
// record; through pushJsonbValue each object was copied into a JsonbValue tree, its keys
// sorted by qsort, then converted by JsonbValueToJsonb through a growing StringInfo —
// 7–9% of either step. The pairs these steps pass are flat: scalar values and nested
// containers taken whole from the input (jbvBinary), so the object can be laid out in
// one palloc.
//
// Layout (PostgreSQL's jsonb.h / jsonb_util.c convertJsonbObject, format version 1):
// varlena header; container header (count | JB_FOBJECT); one JEntry per key, then one per
// value; then the keys' bytes, then the values' bytes. A JEntry holds its type and its
// length — every JB_OFFSET_STRIDE'th holds instead the end offset with JENTRY_HAS_OFF.
// Numerics and containers start on a 4-byte boundary (counted from the varlena start);
// their padding counts in their length. Keys are ordered shorter first, then bytewise;
// a key given twice keeps its last value (as pushJsonbValue does).
//
// Phases: order the keys (already ordered when they come from FlattenObject: a check,
// no sort), measure, palloc once, write. Values of another kind (arrays or objects built
// as JsonbValue trees) are not produced by any caller; they fall back to pushJsonbValue.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/errors.hpp"
#include "extension/pg/jsonb_read.hpp"
#include "extension/pg/record_io.hpp"

extern "C" {
#include "utils/numeric.h"
}

namespace nightjar::pg {

namespace {

// Encodable says whether a value is one this writer lays out itself.
bool Encodable(const JsonbValue& v) {
    switch (v.type) {
        case jbvNull:
        case jbvString:
        case jbvNumeric:
        case jbvBool:
            return true;
        case jbvBinary:
            return v.val.binary.data != nullptr && v.val.binary.len >= 0;
        default:
            return false;
    }
}

// IntAlign rounds a byte position up to the next multiple of 4.
uint32 IntAlign(uint32 pos) { return (pos + 3u) & ~3u; }

// ValueBytes returns the bytes of a value's data and its JEntry type bits.
std::string_view ValueBytes(const JsonbValue& v, uint32* type, bool* aligned) {
    *aligned = false;
    switch (v.type) {
        case jbvNull:
            *type = JENTRY_ISNULL;
            return {};
        case jbvBool:
            *type = v.val.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
            return {};
        case jbvString:
            *type = JENTRY_ISSTRING;
            return {v.val.string.val, static_cast<size_t>(v.val.string.len)};
        case jbvNumeric:
            *type = JENTRY_ISNUMERIC;
            *aligned = true;
            return {reinterpret_cast<const char*>(v.val.numeric),
                    static_cast<size_t>(VARSIZE_ANY(v.val.numeric))};
        default:  // jbvBinary: a container, copied whole
            *type = JENTRY_ISCONTAINER;
            *aligned = true;
            return {reinterpret_cast<const char*>(v.val.binary.data),
                    static_cast<size_t>(v.val.binary.len)};
    }
}

// BuildObjectSlow goes through pushJsonbValue (values this writer does not lay out).
Jsonb* BuildObjectSlow(const std::vector<JsonPair>& pairs) {
    return PgCall([&] {
        JsonbParseState* state = nullptr;
        pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
        for (const JsonPair& p : pairs) {
            JsonbValue key = StringValue(p.key);
            pushJsonbValue(&state, WJB_KEY, &key);
            pushJsonbValue(&state, WJB_VALUE, const_cast<JsonbValue*>(&p.value));
        }
        return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, nullptr));
    });
}

}  // namespace

Jsonb* BuildObject(const std::vector<JsonPair>& pairs) {
    for (const JsonPair& p : pairs)
        if (!Encodable(p.value)) return BuildObjectSlow(pairs);

    // Order: indexes of the pairs kept, sorted by key; a repeated key keeps its last pair.
    std::vector<uint32> order(pairs.size());
    std::iota(order.begin(), order.end(), 0u);
    bool sorted = true;
    for (size_t i = 1; i < pairs.size() && sorted; ++i)
        sorted = JsonbKeyLess(pairs[i - 1].key, pairs[i].key);
    if (!sorted) {
        std::stable_sort(order.begin(), order.end(), [&](uint32 a, uint32 b) {
            return JsonbKeyLess(pairs[a].key, pairs[b].key);
        });
        size_t kept = 0;
        for (size_t i = 0; i < order.size(); ++i) {
            if (i + 1 < order.size() && pairs[order[i]].key == pairs[order[i + 1]].key) continue;
            order[kept++] = order[i];  // the last of a run of equal keys
        }
        order.resize(kept);
    }
    const uint32 n = static_cast<uint32>(order.size());

    // Measure: positions count from the varlena start, as convertToJsonb's buffer does.
    const uint32 data_start = VARHDRSZ + sizeof(uint32) + 2 * n * sizeof(JEntry);
    uint64 pos = data_start;
    for (uint32 i : order) pos += pairs[i].key.size();
    for (uint32 i : order) {
        uint32 type;
        bool aligned;
        std::string_view bytes = ValueBytes(pairs[i].value, &type, &aligned);
        if (aligned) pos = IntAlign(static_cast<uint32>(pos));
        pos += bytes.size();
        if (pos - data_start > JENTRY_OFFLENMASK)
            throw core::DataError(
                "nightjar: total size of jsonb object elements exceeds the maximum of " +
                std::to_string(JENTRY_OFFLENMASK) + " bytes");
    }
    const uint32 total = static_cast<uint32>(pos);

    char* out = PgCall([&] { return static_cast<char*>(palloc0(total)); });
    SET_VARSIZE(out, total);
    uint32 header = n | JB_FOBJECT;
    std::memcpy(out + VARHDRSZ, &header, sizeof header);
    JEntry* entries = reinterpret_cast<JEntry*>(out + VARHDRSZ + sizeof(uint32));
    uint32 at = data_start;  // where the next bytes go
    uint32 data_len = 0;     // bytes of data written so far, padding included
    uint32 k = 0;            // JEntry index: keys 0..n-1, values n..2n-1
    auto entry = [&](uint32 type, uint32 len) {
        data_len += len;
        entries[k] =
            (k % JB_OFFSET_STRIDE) == 0 ? (type | data_len | JENTRY_HAS_OFF) : (type | len);
        ++k;
    };
    for (uint32 i : order) {
        const std::string_view key = pairs[i].key;
        if (!key.empty()) std::memcpy(out + at, key.data(), key.size());
        at += static_cast<uint32>(key.size());
        entry(JENTRY_ISSTRING, static_cast<uint32>(key.size()));
    }
    for (uint32 i : order) {
        uint32 type;
        bool aligned;
        std::string_view bytes = ValueBytes(pairs[i].value, &type, &aligned);
        const uint32 start = at;
        if (aligned) at = IntAlign(at);  // palloc0 left the padding zeroed
        if (!bytes.empty()) std::memcpy(out + at, bytes.data(), bytes.size());
        at += static_cast<uint32>(bytes.size());
        entry(type, at - start);
    }
    return reinterpret_cast<Jsonb*>(out);
}

}  // namespace nightjar::pg

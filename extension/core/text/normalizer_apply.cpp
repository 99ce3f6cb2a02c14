// normalizer_apply.cpp: Normalizer::Apply — one record, in place.
//
// Records are small (tens of fields), so fields are found by a linear scan of the
// vector: cheaper than a hash map for this size and it keeps the field order. Per
// record the cost is O(rules × fields) comparisons plus the transforms themselves.
#include <algorithm>

#include "core/text/normalizer.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::text {
namespace {

// FindField returns the field called `key`, or nullptr.
Field* FindField(Record& record, std::string_view key) {
    for (auto& f : record)
        if (f.key == key) return &f;
    return nullptr;
}

// SetField overwrites field `key` (appending it when absent).
void SetField(Record& record, const std::string& key, ValueKind kind, std::string text) {
    Field* f = FindField(record, key);
    if (f == nullptr) {
        record.push_back({key, kind, std::move(text), -1});
        return;
    }
    f->origin = -1;
    f->kind = kind;
    f->text = std::move(text);
}

// SetCleaned stores a transform result: a string (or number), or null when unusable.
void SetCleaned(Record& record, const std::string& key, Cleaned value, ValueKind kind) {
    if (value) {
        SetField(record, key, kind, std::move(*value));
    } else {
        SetField(record, key, ValueKind::kNull, "");
    }
}

// Usable says whether a field holds a scalar a transform can read.
bool Usable(const Field* f) { return f != nullptr && f->kind != ValueKind::kNull; }

}  // namespace

// Apply runs the compiled rules on one record (see normalizer.hpp for the order).
std::optional<std::string> Normalizer::Apply(Record& record, std::vector<int64_t>& counters) const {
    for (const auto& rn : renames_) {
        Field* f = FindField(record, rn.from);
        if (f == nullptr) continue;
        // The renamed value replaces a field already called `to` (documented).
        record.erase(std::remove_if(record.begin(), record.end(),
                                    [&](const Field& g) { return g.key == rn.to; }),
                     record.end());
        FindField(record, rn.from)->key = rn.to;
    }
    for (const auto& t : transforms_) {
        Field* f = FindField(record, t.field);
        if (f == nullptr) continue;  // absent field: nothing to transform
        const std::string& target = t.into.empty() ? t.field : t.into;
        if (f->kind == ValueKind::kNull) {
            if (!t.into.empty()) SetField(record, target, ValueKind::kNull, "");
            continue;
        }
        Cleaned out = f->kind == ValueKind::kJson ? std::nullopt : t.fn.Apply(f->text);
        if (!out) ++counters[t.counter];
        SetCleaned(record, target, std::move(out),
                   t.fn.NumericOutput() ? ValueKind::kNumber : ValueKind::kString);
    }
    for (const auto& c : constants_) SetField(record, c.field, c.kind, c.text);
    for (const auto& m : multis_) {
        const Field* a = FindField(record, m.inputs[0]);
        const Field* b = m.point ? FindField(record, m.inputs[1]) : nullptr;
        bool present = Usable(a) && (!m.point || Usable(b));
        if (m.point) {
            Cleaned p = present ? MakePoint(a->text, b->text) : std::nullopt;
            if (present && !p) ++counters[m.counter];
            SetCleaned(record, m.outputs[0], std::move(p), ValueKind::kString);
            continue;
        }
        std::optional<Address> addr =
            present && a->kind == ValueKind::kString ? SplitAddress(a->text) : std::nullopt;
        if (present && !addr) ++counters[m.counter];
        SetCleaned(record, m.outputs[0], addr ? Cleaned(addr->street) : std::nullopt,
                   ValueKind::kString);
        SetCleaned(record, m.outputs[1], addr ? Cleaned(addr->postcode) : std::nullopt,
                   ValueKind::kString);
        SetCleaned(record, m.outputs[2], addr ? Cleaned(addr->city) : std::nullopt,
                   ValueKind::kString);
    }
    if (!drops_.empty()) {
        record.erase(std::remove_if(record.begin(), record.end(),
                                    [&](const Field& f) {
                                        return std::find(drops_.begin(), drops_.end(), f.key) !=
                                               drops_.end();
                                    }),
                     record.end());
    }
    const Field* id = FindField(record, record_id_.id_field);
    const Field* code_field =
        record_id_.code_field.empty() ? nullptr : FindField(record, record_id_.code_field);
    Cleaned key;
    bool scalar_id = Usable(id) && id->kind != ValueKind::kJson;
    if (scalar_id && record_id_.code_field.empty()) {
        key = RecordKey(record_id_.code, id->text);
    } else if (scalar_id && Usable(code_field) && code_field->kind != ValueKind::kJson) {
        key = RecordKey(code_field->text, id->text);
    }
    if (!key) ++counters[no_id_counter_];
    return key;
}

}  // namespace nightjar::core::text

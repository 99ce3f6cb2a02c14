// survivorship.cpp: ChooseGolden (see survivorship.hpp for the rules and the design).
#include "core/consolidate/survivorship.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace nightjar::core::consolidate {

namespace {

// Position returns the index of `source` in `list`, or list.size() when absent.
size_t Position(const std::vector<std::string>& list, const std::string& source) {
    return static_cast<size_t>(std::find(list.begin(), list.end(), source) - list.begin());
}

// Characters counts the characters of a value: a string's UTF-8 characters between its
// quotes, any other value's text.
size_t Characters(const std::string& json) {
    std::string_view v(json);
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
    size_t n = 0;
    for (unsigned char c : v) n += (c & 0xC0) != 0x80;
    return n;
}

// Entity holds one entity's records with their values aligned on the field list.
struct Entity {
    const EntityRecords& in;
    std::vector<std::string> fields;                  // sorted
    std::vector<std::vector<const std::string*>> at;  // [record][field], nullptr: absent
    std::vector<int> complete;                        // non-empty fields per record
    std::vector<int64_t> ranked;                      // records in ranking order

    // Value returns record r's value of field f, or nullptr when absent.
    const std::string* Value(int64_t r, size_t f) const { return at[r][f]; }
    // NonEmpty says whether record r has a non-empty value for field f.
    bool NonEmpty(int64_t r, size_t f) const {
        return at[r][f] != nullptr && !IsEmptyValue(*at[r][f]);
    }
};

// AlignFields lists the fields of the entity and aligns every record's values on them.
void AlignFields(const SurvivorshipConfig& config, Entity& e) {
    std::map<std::string, size_t> names;
    for (const SourceRecord& r : e.in.records) {
        for (const auto& [name, value] : r.fields) names.emplace(name, 0);
    }
    for (const auto& [name, policy] : config.fields) names.emplace(name, 0);
    for (const auto& [name, value] : e.in.overrides) names.emplace(name, 0);
    for (auto& [name, index] : names) {
        index = e.fields.size();
        e.fields.push_back(name);
    }
    e.at.assign(e.in.records.size(), std::vector<const std::string*>(e.fields.size(), nullptr));
    e.complete.assign(e.in.records.size(), 0);
    for (size_t r = 0; r < e.in.records.size(); ++r) {
        for (const auto& [name, value] : e.in.records[r].fields) {
            e.at[r][names[name]] = &value;
            if (!IsEmptyValue(value)) ++e.complete[r];
        }
    }
}

// Rank orders the records by the parent rule, ties by recency, source and key.
void Rank(const SurvivorshipConfig& config, Entity& e) {
    const auto& recs = e.in.records;
    auto key = [&](int64_t r) {
        const size_t pos = config.parent == ParentRule::kPreferredSource
                               ? Position(config.parent_sources, recs[r].source)
                               : 0;
        const bool recent_first = config.parent == ParentRule::kMostRecent;
        return std::make_tuple(pos, recent_first ? -recs[r].updated_at : 0.0, -e.complete[r],
                               -recs[r].updated_at, std::string_view(recs[r].source),
                               std::string_view(recs[r].key));
    };
    e.ranked.resize(recs.size());
    for (size_t r = 0; r < recs.size(); ++r) e.ranked[r] = static_cast<int64_t>(r);
    std::stable_sort(e.ranked.begin(), e.ranked.end(),
                     [&](int64_t a, int64_t b) { return key(a) < key(b); });
}

// Candidates returns the records, in ranking order, allowed by `policy` with a non-empty
// value of field f.
std::vector<int64_t> Candidates(const Entity& e, const FieldPolicy& policy, size_t f) {
    std::vector<int64_t> out;
    for (int64_t r : e.ranked) {
        if (Position(policy.exclude, e.in.records[r].source) < policy.exclude.size()) continue;
        if (e.NonEmpty(r, f)) out.push_back(r);
    }
    return out;
}

// PickRecord applies a field rule other than parent and custom to ranked candidates.
int64_t PickRecord(const Entity& e, const FieldPolicy& policy, size_t f,
                   const std::vector<int64_t>& cands) {
    if (cands.empty()) return -1;
    const auto& recs = e.in.records;
    int64_t best = cands.front();
    switch (policy.rule) {
        case FieldRule::kSourcePriority:
            for (int64_t r : cands) {
                if (Position(policy.sources, recs[r].source) <
                    Position(policy.sources, recs[best].source)) {
                    best = r;
                }
            }
            return best;
        case FieldRule::kMostRecent:
            for (int64_t r : cands) {
                if (recs[r].updated_at > recs[best].updated_at) best = r;
            }
            return best;
        case FieldRule::kLongest:
            for (int64_t r : cands) {
                if (Characters(*e.Value(r, f)) > Characters(*e.Value(best, f))) best = r;
            }
            return best;
        case FieldRule::kMostFrequent: {
            std::unordered_map<std::string_view, int64_t> counts;
            for (int64_t r : cands) ++counts[*e.Value(r, f)];
            for (int64_t r : cands) {
                if (counts[*e.Value(r, f)] > counts[*e.Value(best, f)]) best = r;
            }
            return best;
        }
        default:
            return best;  // first_non_empty
    }
}

}  // namespace

// IsEmptyValue says whether a JSON text is null or a string of blanks only.
bool IsEmptyValue(const std::string& json) {
    if (json == "null" || json.empty()) return true;
    if (json.front() != '"') return false;
    for (size_t i = 1; i + 1 < json.size(); ++i) {
        const char c = json[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
    }
    return true;
}

// ChooseGolden builds the golden record of one entity under `config`.
GoldenRecord ChooseGolden(const SurvivorshipConfig& config, const EntityRecords& in) {
    Entity e{in, {}, {}, {}, {}};
    AlignFields(config, e);
    Rank(config, e);
    GoldenRecord out;
    out.entity = in.entity;
    if (config.parent != ParentRule::kSynthetic && !e.ranked.empty()) out.parent = e.ranked[0];
    for (size_t f = 0; f < e.fields.size(); ++f) {
        FieldChoice c;
        c.field = e.fields[f];
        auto manual = std::find_if(in.overrides.begin(), in.overrides.end(),
                                   [&](const auto& o) { return o.first == c.field; });
        if (manual != in.overrides.end()) {
            c.value = manual->second;
            c.rule = "manual";
            out.fields.push_back(std::move(c));
            continue;
        }
        const FieldPolicy& policy = config.PolicyOf(c.field);
        c.rule = FieldRuleName(policy.rule);
        const std::vector<int64_t> cands = Candidates(e, policy, f);
        if (policy.rule == FieldRule::kParent) {
            const bool allowed =
                out.parent >= 0 &&
                Position(policy.exclude, in.records[out.parent].source) == policy.exclude.size();
            if (allowed && e.Value(out.parent, f) != nullptr) c.record = out.parent;
        } else {
            c.record = PickRecord(e, policy, f, cands);
        }
        if (policy.rule == FieldRule::kCustom) {
            c.function = policy.function;
            c.candidates = cands;
        }
        if (c.record >= 0) c.value = *e.Value(c.record, f);
        out.fields.push_back(std::move(c));
    }
    return out;
}

}  // namespace nightjar::core::consolidate

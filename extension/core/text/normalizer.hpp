// normalizer.hpp: a source's normalisation rules, compiled once and applied per record.
//
// Rules (a JSON array of objects, see docs/rules.md) are checked and compiled by
// Normalizer::Compile; Apply then runs them on one record in kind order — rename,
// transform, constant, multi, drop, record_id — and, within a kind, in array order.
// A record is an ordered list of fields; output fields keep the input order, new fields
// are appended in the order the rules create them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json/json_value.hpp"
#include "core/json/value_kind.hpp"
#include "core/text/transform_catalog.hpp"

namespace nightjar::core::text {

// ValueKind is the JSON kind of a field's value (kJson: an object or array, as JSON text).
using ValueKind = core::ValueKind;  // kAbsent is not used here: a record has its fields

// Field is one key/value of a record; `text` is the string, the number's text,
// "true"/"false", or the JSON text of a container. `origin` is the caller's tag for
// where the value came from (e.g. its index in the input); Apply keeps it on fields whose
// value it did not change (renamed ones included) and sets it to -1 on the others, so the
// caller can reuse unchanged input values without converting them back.
struct Field {
    std::string key;
    ValueKind kind = ValueKind::kNull;
    std::string text;
    int origin = -1;
};
using Record = std::vector<Field>;

// Normalizer applies a compiled rule list to records.
class Normalizer {
  public:
    // Compile parses and checks `rules_json`. When `known_fields` is given (the source's
    // declared schema), renames are also checked against it. Errors throw
    // core::InvalidArgument("rule <n> (<kind>): <problem>"), n counting from 1.
    static Normalizer Compile(std::string_view rules_json,
                              const std::vector<std::string>* known_fields = nullptr);

    // Apply normalises `record` in place, adds to `counters` (sized CounterNames()) and
    // returns the record id, or nullopt when the record has none (counted as "no_id").
    std::optional<std::string> Apply(Record& record, std::vector<int64_t>& counters) const;

    // CounterNames names the counters: "<function>_nulled" per function used, "no_id".
    const std::vector<std::string>& CounterNames() const { return counter_names_; }
    // Kinds lists the rule kinds in the order they apply (core/rules/catalog.hpp).
    static const std::vector<std::string>& Kinds();
    // MultiFunctions lists the functions of "multi" rules.
    static const std::vector<std::string>& MultiFunctions();

    // RuleKinds gives each rule's kind, in array order (for storing the rules).
    const std::vector<std::string>& RuleKinds() const { return kinds_; }

  private:
    struct Rename {
        std::string from, to;
    };
    struct Transform {
        std::string field, into;
        CompiledTransform fn;
        size_t counter;
    };
    struct Constant {
        std::string field;
        ValueKind kind;
        std::string text;
    };
    struct Multi {
        bool point;
        std::vector<std::string> inputs, outputs;
        size_t counter;
    };
    struct RecordIdRule {
        std::string code, code_field, id_field;
    };

    size_t Counter(const std::string& name);

    std::vector<std::string> kinds_;
    std::vector<Rename> renames_;
    std::vector<Transform> transforms_;
    std::vector<Constant> constants_;
    std::vector<Multi> multis_;
    std::vector<std::string> drops_;
    RecordIdRule record_id_;
    std::vector<std::string> counter_names_;
    size_t no_id_counter_ = 0;
};

}  // namespace nightjar::core::text

#include "core/cpp_only.hpp"

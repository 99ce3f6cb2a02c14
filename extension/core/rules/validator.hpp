// validator.hpp: evaluates a source's compiled rules over one record at a time.
//
// A record is given as one FieldValue per declared field (the glue flattens the jsonb
// object; undeclared keys are not looked at). Type rules run first and produce the typed
// values the other rules then see (a range on a decimal field with ',' compares the
// parsed number; unique and reference compare canonical text). Missing and null values
// pass every rule except `required`; a value its type rule refused is not checked
// again by range, length, enum, regex, unique, reference or compare (one failure, not two).
// unique_in_batch keeps a hash set of the canonical values seen since the last ResetBatch;
// reference looks values up in a set the glue loads once per batch, unique_existing in one
// the glue fills per chunk with the chunk's values already present (SetValueSet);
// custom_sql results are computed by the glue (it needs the server) and passed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json/value_kind.hpp"
#include "core/rules/compiled_rule.hpp"
#include "core/rules/string_set.hpp"

namespace nightjar::core::rules {

// FieldValue is one field of a record as the glue found it; `text` is the string, the
// number as written, or the JSON text of an object/array (it must outlive Validate).
struct FieldValue {
    using Kind = core::ValueKind;
    Kind kind = Kind::kAbsent;
    std::string_view text;
    bool boolean = false;
};

// TypedValue is what a successful type rule made of a field.
struct TypedValue {
    enum class Kind { kNone, kInteger, kDecimal, kDate, kTimestamp, kBoolean };
    Kind kind = Kind::kNone;
    int64_t integer = 0;
    bool boolean = false;
    std::string text;  // canonical text: decimal digits, ISO date/timestamp, integer, true/false
};

// Failure is one failed rule of a record.
struct Failure {
    size_t rule_index;
    std::string message;
};

// RecordResult is the outcome of one record: failures (errors and warnings) and the
// typed value of every declared field (kind kNone when no type rule converted it).
struct RecordResult {
    std::vector<Failure> failures;
    std::vector<TypedValue> typed;
    std::vector<bool> type_failed;  // per field: a type rule refused its value
    bool rejected = false;          // some error-severity rule failed
    // Clear empties the result for reuse, keeping its capacity.
    void Clear(size_t field_count);
};

class Validator {
  public:
    // Validator takes the compiled rules of a source with `field_count` declared fields.
    Validator(std::vector<CompiledRule> rules, size_t field_count);

    // Rules returns the compiled rules in evaluation-independent (definition) order.
    const std::vector<CompiledRule>& Rules() const { return rules_; }
    // SetValueSet gives a reference or unique_existing rule its set of existing values
    // (unique_existing: the glue may replace it per chunk with the chunk's values found).
    void SetValueSet(size_t rule_index, StringSet values);
    // ComparedText returns the text rule `rule_index` compares for `fields` — the
    // canonical text after the field's type rules — or nullopt when the rule would not
    // look at the value (missing, null, or refused by a type rule). The glue uses it to
    // probe an index for the values unique_existing will ask about.
    std::optional<std::string> ComparedText(size_t rule_index,
                                            const std::vector<FieldValue>& fields) const;
    // Prefetch prepares the memory unique_in_batch will probe for a record about to be
    // validated (the slots of its compared values); it changes nothing.
    void Prefetch(const std::vector<FieldValue>& fields) const;
    // ResetBatch forgets the values unique_in_batch has seen.
    void ResetBatch();
    // ReserveBatch sizes unique_in_batch's sets for a batch of `records` records (the
    // staged count; a wrong guess only costs memory or a later growth).
    void ReserveBatch(size_t records);
    // Validate evaluates every rule over `fields`; `custom` holds, per rule index, the
    // glue's verdict for custom_sql rules (nullopt: passed / not applicable).
    void Validate(const std::vector<FieldValue>& fields,
                  const std::vector<std::optional<bool>>& custom, RecordResult* out);

  private:
    // Check evaluates one non-type rule and returns its failure message, if any.
    std::optional<std::string> Check(size_t index, const std::vector<FieldValue>& fields,
                                     const std::vector<std::optional<bool>>& custom,
                                     RecordResult* out);

    std::vector<CompiledRule> rules_;
    size_t field_count_;
    std::vector<size_t> order_;    // type rules first, then the others, each in definition order
    std::vector<StringSet> sets_;  // per rule: seen / existing values
    std::vector<size_t> unique_in_batch_;  // the unique_in_batch rules' indexes
    std::vector<bool> prefetch_raw_;       // per entry of unique_in_batch_: see Prefetch
};

// ApplyType runs a type rule over a present, non-null value; returns the typed value or
// nullopt when it does not convert.
std::optional<TypedValue> ApplyType(const CompiledRule& rule, const FieldValue& value);

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"

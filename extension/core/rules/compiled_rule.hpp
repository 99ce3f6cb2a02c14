// compiled_rule.hpp: a rule checked and prepared for evaluation (regex compiled, enum
// values hashed, formats parsed, field names resolved to indexes), and CompileRule,
// which checks a RuleSpec against the source's declared fields.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/rules/dates.hpp"
#include "core/rules/rule_spec.hpp"
#include "core/rules/string_set.hpp"

namespace re2 {
class RE2;
}

namespace nightjar::core::rules {

enum class RuleKind {
    kRequired,
    kType,
    kEnum,
    kRange,
    kLength,
    kRegex,
    kUniqueInBatch,
    kUniqueExisting,
    kReference,
    kCompare,
    kCustomSql
};
enum class ValueType { kInteger, kDecimal, kDate, kTimestamp, kBoolean };
enum class CompareOp { kLt, kLe, kEq, kNe, kGe, kGt };

// CompiledRule is everything the validator needs to evaluate one rule.
struct CompiledRule {
    std::string name;
    std::string field;
    RuleKind kind = RuleKind::kRequired;
    bool is_error = true;    // severity error (quarantine) vs warning (flag)
    size_t field_index = 0;  // into the declared fields
    size_t other_index = 0;  // compare: the other field
    std::string other;       // compare: its name
    ValueType type = ValueType::kInteger;
    char decimal_separator = '.';
    char thousands = 0;
    std::vector<DateFormat> formats;
    StringSet enum_values;
    std::optional<double> min, max;                 // range
    std::optional<int64_t> min_length, max_length;  // length
    std::shared_ptr<const re2::RE2> regex;
    CompareOp op = CompareOp::kEq;
    std::string table, column, function;  // reference / custom_sql (resolved by the glue)
};

// CompileRule checks `spec` against the source's `fields` and compiles it. It throws
// InvalidArgument with a message naming the rule, the parameter and what was expected:
// unknown kind, field or parameter key, a parameter of the wrong type, a regex RE2
// refuses (with RE2's error), min > max, an unknown type name or date directive.
CompiledRule CompileRule(const RuleSpec& spec, const std::vector<std::string>& fields);

// KindOf maps a kind name to RuleKind; throws InvalidArgument for an unknown name.
RuleKind KindOf(const std::string& kind);

// KindTable lists every validation kind's name and RuleKind, in documentation order.
const std::vector<std::pair<const char*, RuleKind>>& KindTable();

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"

// rule_set.hpp: a source's validation rules compiled from JSON text — the one route by
// which rules reach the core (normalisation rules take the same route through
// text::Normalizer::Compile). The glue passes the text, the core parses and checks it,
// and everything is unit-tested without a server.
//
// The text is a JSON array of rule objects, as sql/41_validate.sql builds it from
// nightjar.validation_rule (plus what the catalog resolved for the rule):
//   {"name": "amount_range", "kind": "range", "field": "amount", "severity": "error",
//    "params": {"min": 0}, "rule_id": 12,            // rule_id: optional, default 0
//    "values": ["FR", "BE"],                         // reference / unique_existing: the value set
//    "function_oid": 16402,                          // custom_sql: the resolved function
//    "probe": "SELECT …"}                            // unique_existing: the glue's per-chunk index
//    probe
// Unknown keys are refused, so a typo in the SQL that builds the text fails loudly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json/json_value.hpp"
#include "core/rules/compiled_rule.hpp"
#include "core/rules/string_set.hpp"

namespace nightjar::core::rules {

// RuleSet is a compiled rule list with what the glue keeps beside each rule.
struct RuleSet {
    std::vector<CompiledRule> rules;
    std::vector<int64_t> rule_ids;                         // per rule, 0 when not given
    std::vector<uint32_t> function_oids;                   // per rule, 0 unless custom_sql
    std::vector<std::pair<size_t, StringSet>> value_sets;  // (rule index, values)
    std::vector<std::string> probes;                       // per rule, empty unless given
};

// RuleSpecFromJson reads one rule object's name, kind, field, severity and params
// (other keys are left to the caller); throws InvalidArgument naming the problem.
RuleSpec RuleSpecFromJson(const JsonValue& rule);

// CompileRuleSet parses `rules_json` and compiles every rule against `fields`; throws
// InvalidArgument for malformed JSON, a malformed rule object or a rule CompileRule refuses.
RuleSet CompileRuleSet(std::string_view rules_json, const std::vector<std::string>& fields);

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"

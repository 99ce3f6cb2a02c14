// rule_spec.hpp: a validation rule as the catalog stores it, before it is compiled.
// RuleSpecFromJson (rule_set.hpp) reads them from the JSON text the SQL side builds from
// nightjar.validation_rule rows, so the compiler and the validator never see PostgreSQL types.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/json/json_value.hpp"

namespace nightjar::core::rules {

// ParamValue is one JSON parameter value (the glue converts the rule's params jsonb).
using ParamValue = core::JsonValue;

// RuleSpec is one rule: name, kind, checked field, severity and its parameters.
struct RuleSpec {
    std::string name;
    std::string kind;  // required, type, enum, range, length, regex, unique_in_batch,
                       // unique_existing, reference, compare, custom_sql
    std::string field;
    std::string severity = "error";  // or "warning"
    std::map<std::string, ParamValue> params;
};

}  // namespace nightjar::core::rules

#include "core/cpp_only.hpp"

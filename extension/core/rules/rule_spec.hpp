// rule_spec.hpp: a validation rule as the catalog stores it, before it is compiled.
// The glue converts nightjar.rule rows (params jsonb) into these plain values, so the
// compiler and the validator never see PostgreSQL types.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace nightjar::core::rules {

// ParamValue is one JSON parameter value: null, boolean, number, string or array.
struct ParamValue {
    enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
    Kind kind = Kind::kNull;
    bool boolean = false;
    double number = 0;
    std::string text;               // string value, or the number as written
    std::vector<ParamValue> items;  // array elements

    // String, Number, Bool and Array build a value of that kind.
    static ParamValue String(std::string s) {
        ParamValue v;
        v.kind = Kind::kString;
        v.text = std::move(s);
        return v;
    }
    static ParamValue Number(double d) {
        ParamValue v;
        v.kind = Kind::kNumber;
        v.number = d;
        v.text = std::to_string(d);
        return v;
    }
    static ParamValue Bool(bool b) {
        ParamValue v;
        v.kind = Kind::kBool;
        v.boolean = b;
        return v;
    }
    static ParamValue Array(std::vector<ParamValue> items) {
        ParamValue v;
        v.kind = Kind::kArray;
        v.items = std::move(items);
        return v;
    }
};

// KindName names a ParamValue kind the way error messages do ("a string", "an array").
const char* KindName(ParamValue::Kind kind);

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

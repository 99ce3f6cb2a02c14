// json_value.hpp: a JSON document tree for rule definitions, shared by validation
// (rule params: the glue converts the jsonb) and normalisation (rule lists: parsed from
// text by simdjson). Rule definitions are small, so a plain recursive tree with ordered
// object members is enough; it is never used for record data, which the glue converts to
// field lists directly.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nightjar::core {

// JsonValue is one JSON value; numbers keep their source text.
struct JsonValue {
    enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
    Type type = Type::kNull;
    std::string text;                                        // string, number text, "true"/"false"
    std::vector<JsonValue> items;                            // array elements
    std::vector<std::pair<std::string, JsonValue>> members;  // object members, in order

    // Find returns the member called `key` of an object, or nullptr.
    const JsonValue* Find(std::string_view key) const;
    // IsScalar says whether the value is null, a boolean, a number or a string.
    bool IsScalar() const { return type != Type::kArray && type != Type::kObject; }
    // AsNumber returns a number's value (its text read by strtod); AsBool a boolean's.
    double AsNumber() const;
    bool AsBool() const { return type == Type::kBool && text == "true"; }

    // String, Number, Bool and Array build a value of that type.
    static JsonValue String(std::string s);
    static JsonValue Number(double d);
    static JsonValue Bool(bool b);
    static JsonValue Array(std::vector<JsonValue> items);
};

// TypeName returns "null", "boolean", "number", "string", "array" or "object";
// TypeNameWithArticle "null", "a boolean", "a number", "a string", "an array", "an object".
const char* TypeName(JsonValue::Type t);
const char* TypeNameWithArticle(JsonValue::Type t);

// ParseJson parses one JSON document; malformed text (grammar, UTF-8, escapes, a NUL
// character, nesting deeper than 64) throws core::InvalidArgument.
JsonValue ParseJson(std::string_view text);

}  // namespace nightjar::core

#include "core/cpp_only.hpp"

// json_value.hpp: a minimal JSON document tree for rule definitions.
//
// Normalisation rules arrive as JSON (the jsonb given to define_normalization, rendered
// as text by the glue), parsed by simdjson into a plain recursive tree with ordered object
// members — rule lists are small (tens of rules); the tree is never used for record data,
// which the glue converts to field lists directly.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nightjar::core::text {

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
};

// TypeName returns "null", "boolean", "number", "string", "array" or "object".
const char* TypeName(JsonValue::Type t);

// ParseJson parses one JSON document; malformed text (grammar, UTF-8, escapes, a NUL
// character, nesting deeper than 64) throws core::InvalidArgument.
JsonValue ParseJson(std::string_view text);

}  // namespace nightjar::core::text

#include "core/cpp_only.hpp"

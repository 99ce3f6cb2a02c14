// json_value.cpp: rule definitions as a JsonValue tree. Parsing is simdjson's (the same
// library the runner's readers use); this file only copies its DOM into the tree, refusing
// what jsonb would refuse too (a NUL character) and nesting deeper than 64 levels.
#include "core/json/json_value.hpp"

#include <simdjson.h>

#include <charconv>
#include <cstdlib>

#include "core/errors.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core {
namespace {

constexpr int kMaxDepth = 64;

// Text copies a string of the document, refusing an escaped NUL character.
std::string Text(std::string_view s) {
    if (s.find('\0') != std::string_view::npos)
        throw InvalidArgument("invalid JSON: a string contains a NUL character (\\u0000)");
    return std::string(s);
}

// NumberText renders a number: integers exactly, doubles in their shortest round-trip form.
std::string NumberText(const simdjson::dom::element& e) {
    char buf[64];
    std::to_chars_result r;
    if (e.is_int64())
        r = std::to_chars(buf, buf + sizeof buf, int64_t(e.get_int64()));
    else if (e.is_uint64())
        r = std::to_chars(buf, buf + sizeof buf, uint64_t(e.get_uint64()));
    else
        r = std::to_chars(buf, buf + sizeof buf, double(e.get_double()));
    return std::string(buf, r.ptr);
}

// Convert copies one DOM element (and its children) into a JsonValue.
JsonValue Convert(const simdjson::dom::element& e, int depth) {
    if (depth > kMaxDepth)
        throw InvalidArgument("invalid JSON: nested deeper than " + std::to_string(kMaxDepth) +
                              " levels");
    JsonValue v;
    switch (e.type()) {
        case simdjson::dom::element_type::OBJECT:
            v.type = JsonValue::Type::kObject;
            for (auto field : simdjson::dom::object(e))
                v.members.emplace_back(Text(field.key), Convert(field.value, depth + 1));
            break;
        case simdjson::dom::element_type::ARRAY:
            v.type = JsonValue::Type::kArray;
            for (auto item : simdjson::dom::array(e)) v.items.push_back(Convert(item, depth + 1));
            break;
        case simdjson::dom::element_type::STRING:
            v.type = JsonValue::Type::kString;
            v.text = Text(std::string_view(e));
            break;
        case simdjson::dom::element_type::INT64:
        case simdjson::dom::element_type::UINT64:
        case simdjson::dom::element_type::DOUBLE:
            v.type = JsonValue::Type::kNumber;
            v.text = NumberText(e);
            break;
        case simdjson::dom::element_type::BOOL:
            v.type = JsonValue::Type::kBool;
            v.text = bool(e) ? "true" : "false";
            break;
        case simdjson::dom::element_type::NULL_VALUE:
            break;
    }
    return v;
}

}  // namespace

// Find scans the members in order (rule objects have a handful of keys).
const JsonValue* JsonValue::Find(std::string_view key) const {
    for (const auto& [k, v] : members)
        if (k == key) return &v;
    return nullptr;
}

// TypeName names a JSON type as jsonb_typeof does.
const char* TypeName(JsonValue::Type t) {
    static const char* const kNames[] = {"null", "boolean", "number", "string", "array", "object"};
    return kNames[static_cast<int>(t)];
}

// TypeNameWithArticle names a JSON type for a sentence ("must be a string").
const char* TypeNameWithArticle(JsonValue::Type t) {
    static const char* const kNames[] = {"null",     "a boolean", "a number",
                                         "a string", "an array",  "an object"};
    return kNames[static_cast<int>(t)];
}

// AsNumber reads a number's text (numbers keep the text they were written or rendered with).
double JsonValue::AsNumber() const { return std::strtod(text.c_str(), nullptr); }

// String builds a string value.
JsonValue JsonValue::String(std::string s) {
    JsonValue v;
    v.type = Type::kString;
    v.text = std::move(s);
    return v;
}

// Number builds a number value from a double (text: shortest round-trip form).
JsonValue JsonValue::Number(double d) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    JsonValue v;
    v.type = Type::kNumber;
    v.text.assign(buf, r.ptr);
    return v;
}

// Bool builds a boolean value.
JsonValue JsonValue::Bool(bool b) {
    JsonValue v;
    v.type = Type::kBool;
    v.text = b ? "true" : "false";
    return v;
}

// Array builds an array value.
JsonValue JsonValue::Array(std::vector<JsonValue> items) {
    JsonValue v;
    v.type = Type::kArray;
    v.items = std::move(items);
    return v;
}

// ParseJson parses the text with simdjson's DOM parser (which checks the grammar, UTF-8
// and escapes) and copies the result into a JsonValue tree.
JsonValue ParseJson(std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto error = parser.parse(text.data(), text.size()).get(root))
        throw InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(error));
    return Convert(root, 0);
}

}  // namespace nightjar::core

// json_writer.hpp: builds one JSON object text field by field into a reused string.
// Keys and string values are escaped per RFC 8259 (quote, backslash, control characters);
// the bytes are assumed to be UTF-8 already (readers convert or validate before).
#pragma once

#include <string>
#include <string_view>

#include "runner/util/json_text.hpp"

namespace nightjar::runner::formats {

// AppendJsonString is the runner's one JSON string escaper (runner/util/json_text.hpp).
using runner::AppendJsonString;

// IsJsonNumber returns true when `s` is a number in JSON's grammar.
bool IsJsonNumber(std::string_view s);

// JsonObjectWriter appends "key":value pairs between braces.
class JsonObjectWriter {
  public:
    explicit JsonObjectWriter(std::string& out) : out_(out) {
        out_.clear();
        out_ += '{';
    }
    // String adds a string field.
    void String(std::string_view key, std::string_view value) {
        Key(key);
        AppendJsonString(out_, value);
    }
    // Raw adds a field whose value is already JSON text (number, true, false).
    void Raw(std::string_view key, std::string_view json) {
        Key(key);
        out_ += json;
    }
    // Null adds a null field.
    void Null(std::string_view key) { Raw(key, "null"); }
    // Finish closes the object.
    void Finish() { out_ += '}'; }

  private:
    // Key writes the separator and the key.
    void Key(std::string_view key) {
        if (!first_) out_ += ',';
        first_ = false;
        AppendJsonString(out_, key);
        out_ += ':';
    }
    std::string& out_;
    bool first_ = true;
};

}  // namespace nightjar::runner::formats

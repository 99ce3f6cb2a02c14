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
    // KeyedString adds a string field whose key is already JSON text with its colon
    // (QuotedKey): a reader writing the same keys in every record escapes them once.
    void KeyedString(std::string_view quoted_key, std::string_view value) {
        QuotedKeyText(quoted_key);
        AppendJsonString(out_, value);
    }
    // KeyedNull adds a null field whose key is already JSON text with its colon.
    void KeyedNull(std::string_view quoted_key) {
        QuotedKeyText(quoted_key);
        out_ += "null";
    }
    // QuotedKey returns the JSON text of a key followed by its colon, for KeyedString.
    static std::string QuotedKey(std::string_view key) {
        std::string out;
        AppendJsonString(out, key);
        out += ':';
        return out;
    }
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
    // QuotedKeyText writes the separator and an already quoted key with its colon.
    void QuotedKeyText(std::string_view quoted_key) {
        if (!first_) out_ += ',';
        first_ = false;
        out_ += quoted_key;
    }
    std::string& out_;
    bool first_ = true;
};

}  // namespace nightjar::runner::formats

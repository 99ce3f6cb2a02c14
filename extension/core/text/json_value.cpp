// json_value.cpp: a recursive-descent JSON parser (RFC 8259) for rule definitions.
// Depth is limited to 64 so a hostile document cannot exhaust the stack.
#include "core/text/json_value.hpp"

#include "core/errors.hpp"
#include "core/text/utf8.hpp"

// clang-format off: cpp_only.hpp must stay the last include
#include "core/cpp_only.hpp"
// clang-format on

namespace nightjar::core::text {
namespace {

// Parser reads one JSON document from a string view, keeping its position for errors.
class Parser {
  public:
    explicit Parser(std::string_view s) : s_(s) {}

    // Document parses the whole input as one value.
    JsonValue Document() {
        JsonValue v = Value(0);
        SkipSpace();
        if (pos_ != s_.size()) Fail("unexpected text after the JSON value");
        return v;
    }

  private:
    // Fail throws InvalidArgument with the current offset.
    [[noreturn]] void Fail(const std::string& what) const {
        throw InvalidArgument("invalid JSON at offset " + std::to_string(pos_) + ": " + what);
    }

    // SkipSpace moves past JSON whitespace.
    void SkipSpace() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }

    // Consume moves past `word` if the text continues with it.
    bool Consume(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    // Value parses any value at the current position.
    JsonValue Value(int depth) {
        if (depth > 64) Fail("nesting deeper than 64");
        SkipSpace();
        if (pos_ >= s_.size()) Fail("unexpected end");
        JsonValue v;
        char c = s_[pos_];
        if (c == '{') {
            v.type = JsonValue::Type::kObject;
            ++pos_;
            SkipSpace();
            if (Consume("}")) return v;
            do {
                SkipSpace();
                if (pos_ >= s_.size() || s_[pos_] != '"') Fail("expected a member name");
                std::string key = String();
                SkipSpace();
                if (!Consume(":")) Fail("expected ':'");
                v.members.emplace_back(std::move(key), Value(depth + 1));
                SkipSpace();
            } while (Consume(","));
            if (!Consume("}")) Fail("expected ',' or '}'");
        } else if (c == '[') {
            v.type = JsonValue::Type::kArray;
            ++pos_;
            SkipSpace();
            if (Consume("]")) return v;
            do {
                v.items.push_back(Value(depth + 1));
                SkipSpace();
            } while (Consume(","));
            if (!Consume("]")) Fail("expected ',' or ']'");
        } else if (c == '"') {
            v.type = JsonValue::Type::kString;
            v.text = String();
        } else if (Consume("true") || Consume("false")) {
            v.type = JsonValue::Type::kBool;
            v.text = c == 't' ? "true" : "false";
        } else if (Consume("null")) {
            v.type = JsonValue::Type::kNull;
        } else {
            v.type = JsonValue::Type::kNumber;
            v.text = Number();
        }
        return v;
    }

    // Number checks the JSON number grammar and returns its text.
    std::string Number() {
        size_t start = pos_;
        if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
        auto digits = [&] {
            size_t d = pos_;
            while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
            return pos_ - d;
        };
        size_t int_len = digits();
        if (int_len == 0 || (int_len > 1 && s_[pos_ - int_len] == '0')) Fail("invalid number");
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (digits() == 0) Fail("invalid number");
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (digits() == 0) Fail("invalid number");
        }
        return std::string(s_.substr(start, pos_ - start));
    }

    // Hex4 reads four hex digits of a \u escape.
    char32_t Hex4() {
        if (pos_ + 4 > s_.size()) Fail("truncated \\u escape");
        char32_t v = 0;
        for (int k = 0; k < 4; ++k) {
            char c = s_[pos_++];
            int d = IsDigit(c)               ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (d < 0) Fail("invalid \\u escape");
            v = v * 16 + static_cast<char32_t>(d);
        }
        return v;
    }

    // String reads a quoted string with escapes; the result is valid UTF-8 or it fails.
    std::string String() {
        ++pos_;  // opening quote
        std::string out;
        while (true) {
            if (pos_ >= s_.size()) Fail("unterminated string");
            char c = s_[pos_++];
            if (c == '"') break;
            if (static_cast<unsigned char>(c) < 0x20) Fail("control character in string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) Fail("unterminated escape");
            char e = s_[pos_++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    char32_t cp = Hex4();
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (!Consume("\\u")) Fail("unpaired surrogate");
                        char32_t lo = Hex4();
                        if (lo < 0xDC00 || lo > 0xDFFF) Fail("unpaired surrogate");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        Fail("unpaired surrogate");
                    }
                    if (cp == 0) Fail("\\u0000 is not allowed");
                    AppendUtf8(cp, out);
                    break;
                }
                default:
                    Fail("invalid escape");
            }
        }
        if (!IsValidUtf8(out)) Fail("invalid UTF-8 in string");
        return out;
    }

    std::string_view s_;
    size_t pos_ = 0;
};

}  // namespace

// Find scans the members in order (rule objects have a handful of keys).
const JsonValue* JsonValue::Find(std::string_view key) const {
    for (const auto& [k, v] : members)
        if (k == key) return &v;
    return nullptr;
}

// TypeName names a JSON type as jsonb_typeof does.
const char* TypeName(JsonValue::Type t) {
    switch (t) {
        case JsonValue::Type::kNull:
            return "null";
        case JsonValue::Type::kBool:
            return "boolean";
        case JsonValue::Type::kNumber:
            return "number";
        case JsonValue::Type::kString:
            return "string";
        case JsonValue::Type::kArray:
            return "array";
        case JsonValue::Type::kObject:
            return "object";
    }
    return "unknown";
}

// ParseJson runs the parser over the whole text.
JsonValue ParseJson(std::string_view text) { return Parser(text).Document(); }

}  // namespace nightjar::core::text

// json_syntax.cpp: an iterative JSON grammar walker (a stack of open containers and one
// state), one pass over the bytes, memory the nesting depth. It trades speed for
// precision: it runs only on the records simdjson refuses (big numbers, real errors).
#include "runner/formats/json_syntax.hpp"

#include <cstring>
#include <vector>

namespace nightjar::runner::formats {

namespace {

// IsDigit tells whether c is an ASCII digit.
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// IsHex tells whether c is an ASCII hexadecimal digit.
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// TokenAt returns the token starting at `at`: a structural character alone, else the bytes
// up to the next whitespace or structural character (at most 32).
std::string TokenAt(std::string_view s, size_t at) {
    if (at >= s.size()) return "";
    if (std::strchr("{}[],:", s[at])) return std::string(1, s[at]);
    size_t end = at;
    while (end < s.size() && end - at < 32 && !std::strchr(" \t\r\n{}[],:", s[end])) ++end;
    return std::string(s.substr(at, end - at));
}

// Walker holds the position and the first error found.
struct Walker {
    std::string_view s;
    size_t i = 0;
    JsonSyntax error;

    // Fail records the first error at `at` and returns false.
    bool Fail(size_t at, const char* problem) {
        error.offset = at;
        error.problem = problem;
        error.token = TokenAt(s, at);
        return false;
    }

    // SkipWs consumes JSON whitespace.
    void SkipWs() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    }

    // String consumes a string starting at its opening quote.
    bool String() {
        size_t start = i++;
        while (i < s.size()) {
            char c = s[i];
            if (c == '"') {
                ++i;
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20)
                return Fail(i, "control character inside a string (escape it)");
            if (c != '\\') {
                ++i;
                continue;
            }
            if (i + 1 >= s.size()) break;
            char e = s[i + 1];
            if (e == 'u') {
                for (size_t k = 2; k < 6; ++k)
                    if (i + k >= s.size() || !IsHex(s[i + k]))
                        return Fail(i, "invalid \\u escape (four hexadecimal digits expected)");
                i += 6;
            } else if (std::strchr("\"\\/bfnrt", e) && e != '\0') {
                i += 2;
            } else {
                return Fail(i, "invalid escape in a string");
            }
        }
        return Fail(start, "unterminated string");
    }

    // Number consumes -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? of any magnitude.
    bool Number() {
        size_t start = i;
        if (s[i] == '-') ++i;
        if (i < s.size() && s[i] == '0') {
            ++i;
        } else if (i < s.size() && IsDigit(s[i])) {
            while (i < s.size() && IsDigit(s[i])) ++i;
        } else {
            return Fail(start, "invalid number");
        }
        if (i < s.size() && s[i] == '.') {
            ++i;
            if (i >= s.size() || !IsDigit(s[i])) return Fail(start, "invalid number");
            while (i < s.size() && IsDigit(s[i])) ++i;
        }
        if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
            ++i;
            if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
            if (i >= s.size() || !IsDigit(s[i])) return Fail(start, "invalid number");
            while (i < s.size() && IsDigit(s[i])) ++i;
        }
        if (i < s.size() && !std::strchr(" \t\r\n,]}", s[i])) return Fail(start, "invalid number");
        return true;
    }

    // Literal consumes true, false or null.
    bool Literal() {
        for (const char* word : {"true", "false", "null"}) {
            size_t n = std::strlen(word);
            if (s.compare(i, n, word) == 0 &&
                (i + n == s.size() || std::strchr(" \t\r\n,]}", s[i + n]))) {
                i += n;
                return true;
            }
        }
        return Fail(i, "expected a value");
    }
};

}  // namespace

// CheckJsonSyntax walks the text with a container stack and one expectation state.
JsonSyntax CheckJsonSyntax(std::string_view text) {
    enum class St { kValue, kFirstValue, kKey, kFirstKey, kAfter };
    Walker w{text};
    std::vector<char> stack;
    St st = St::kValue;
    for (;;) {
        w.SkipWs();
        if (w.i >= text.size()) {
            if (st == St::kAfter && stack.empty()) return {};
            w.Fail(w.i, "unexpected end of the text");
            return w.error;
        }
        char c = text[w.i];
        bool ok = true;
        switch (st) {
            case St::kFirstValue:
                if (c == ']') {
                    ++w.i;
                    stack.pop_back();
                    st = St::kAfter;
                    break;
                }
                [[fallthrough]];
            case St::kValue:
                if (c == '{' || c == '[') {
                    stack.push_back(c);
                    ++w.i;
                    st = c == '{' ? St::kFirstKey : St::kFirstValue;
                    break;
                }
                ok = c == '"' ? w.String() : (c == '-' || IsDigit(c)) ? w.Number() : w.Literal();
                st = St::kAfter;
                break;
            case St::kFirstKey:
                if (c == '}') {
                    ++w.i;
                    stack.pop_back();
                    st = St::kAfter;
                    break;
                }
                [[fallthrough]];
            case St::kKey:
                if (c != '"') {
                    ok = w.Fail(w.i, "expected a string key");
                    break;
                }
                ok = w.String();
                if (!ok) break;
                w.SkipWs();
                if (w.i >= text.size() || text[w.i] != ':') {
                    ok = w.Fail(w.i, "expected ':' after a key");
                    break;
                }
                ++w.i;
                st = St::kValue;
                break;
            case St::kAfter:
                if (stack.empty()) {
                    ok = w.Fail(w.i, "unexpected data after the JSON value");
                } else if (c == ',') {
                    ++w.i;
                    st = stack.back() == '{' ? St::kKey : St::kValue;
                } else if (c == (stack.back() == '{' ? '}' : ']')) {
                    ++w.i;
                    stack.pop_back();
                } else {
                    ok = w.Fail(w.i, stack.back() == '{' ? "expected ',' or '}' after a member"
                                                         : "expected ',' or ']' after an element");
                }
                break;
        }
        if (!ok) return w.error;
    }
}

// DescribeJsonSyntax formats the problem with its token.
std::string DescribeJsonSyntax(const JsonSyntax& s) {
    return "invalid JSON: " + s.problem +
           (s.token.empty() ? std::string(" at the end of the text") : " at '" + s.token + "'");
}

}  // namespace nightjar::runner::formats

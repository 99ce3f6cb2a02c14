// jsonb_guard.cpp: one pass over a record's JSON text that looks only at escapes. The text
// is already valid JSON (simdjson validated it, or json_writer produced it), so every
// backslash starts an escape inside a string: memchr jumps from backslash to backslash,
// and a record without one (most records) costs one memchr. "\\u0000" (an escaped
// backslash, then the text u0000) is skipped as the two-byte escape "\\" — legitimate text.
// PostgreSQL's rules (json_lex_string): \u0000 is refused when converting to jsonb; a high
// surrogate (D800-DBFF) must be followed at once by a \u low surrogate (DC00-DFFF); a low
// surrogate must follow a high one.
#include "runner/formats/jsonb_guard.hpp"

#include <cstring>

namespace nightjar::runner::formats {

namespace {

// HexValue returns the value of the 4 hex digits at s[i..i+4), or -1.
long HexValue(std::string_view s, size_t i) {
    if (i + 4 > s.size()) return -1;
    long v = 0;
    for (size_t k = i; k < i + 4; ++k) {
        char c = s[k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

}  // namespace

// NulProblem names the character and the reason.
std::string NulProblem() { return "contains U+0000 (NUL), which PostgreSQL cannot store in jsonb"; }

// FindJsonbProblem walks the escapes of the text.
size_t FindJsonbProblem(std::string_view json, std::string& problem) {
    const char* base = json.data();
    size_t i = 0;
    while (i < json.size()) {
        const void* hit = std::memchr(base + i, '\\', json.size() - i);
        if (!hit) return std::string::npos;
        size_t at = static_cast<const char*>(hit) - base;
        if (at + 1 >= json.size()) return std::string::npos;
        if (json[at + 1] != 'u') {  // \" \\ \/ \b \f \n \r \t
            i = at + 2;
            continue;
        }
        long cp = HexValue(json, at + 2);
        i = at + 6;
        if (cp == 0) {
            problem = NulProblem() + " (escape \\u" + std::string(json.substr(at + 2, 4)) + ")";
            return at;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            long low = i + 1 < json.size() && json[i] == '\\' && json[i + 1] == 'u'
                           ? HexValue(json, i + 2)
                           : -1;
            if (low >= 0xDC00 && low <= 0xDFFF) {
                i += 6;
                continue;
            }
            problem = "contains the UTF-16 high surrogate escape \\u" +
                      std::string(json.substr(at + 2, 4)) +
                      " without a low surrogate after it, which PostgreSQL cannot store in jsonb";
            return at;
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            problem = "contains the UTF-16 low surrogate escape \\u" +
                      std::string(json.substr(at + 2, 4)) +
                      " without a high surrogate before it, which PostgreSQL cannot store in jsonb";
            return at;
        }
    }
    return std::string::npos;
}

// PositionInRecord adds the offset and the newlines before it to the record's position.
Position PositionInRecord(const Record& rec, size_t offset) {
    Position p = rec.pos;
    p.byte_offset += offset;
    const char* text = rec.json.data();
    size_t from = 0;
    for (const void* nl; from < offset && (nl = std::memchr(text + from, '\n', offset - from));) {
        ++p.line;
        from = static_cast<size_t>(static_cast<const char*>(nl) - text) + 1;
    }
    return p;
}

// CheckJsonbEscapes locates the escape in the file when the text is the file's bytes.
void CheckJsonbEscapes(const Record& rec, bool exact_offsets) {
    std::string problem;
    size_t at = FindJsonbProblem(rec.json, problem);
    if (at == std::string::npos) return;
    throw FormatError(exact_offsets ? PositionInRecord(rec, at) : rec.pos,
                      "record " + std::to_string(rec.pos.record_no) + " " + problem);
}

}  // namespace nightjar::runner::formats

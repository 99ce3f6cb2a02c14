// json_syntax.hpp: an exact JSON grammar check (RFC 8259) that says where a text goes wrong.
// simdjson validates fast but names no offset, and refuses numbers beyond double/uint64
// (a 30-digit integer, 1e400) that PostgreSQL's jsonb keeps exactly as numeric; this check
// runs only when simdjson refuses a record: it accepts such numbers and, for a real error,
// gives the byte and the offending token.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nightjar::runner::formats {

// JsonSyntax is the result of CheckJsonSyntax: offset npos when the text is one valid JSON
// value; otherwise the offset of the offending byte, the problem and the token there.
struct JsonSyntax {
    size_t offset = std::string::npos;
    std::string problem;  // e.g. "expected ',' or '}'"
    std::string token;    // the text at offset (at most 32 bytes), "" at the end of the text
};

// CheckJsonSyntax validates `text` as exactly one JSON value (numbers of any magnitude,
// strings with valid escapes; UTF-8 validity is checked elsewhere). Linear, no recursion.
JsonSyntax CheckJsonSyntax(std::string_view text);

// DescribeJsonSyntax returns "invalid JSON: PROBLEM at 'TOKEN'" (or "at the end of the text").
std::string DescribeJsonSyntax(const JsonSyntax& s);

}  // namespace nightjar::runner::formats

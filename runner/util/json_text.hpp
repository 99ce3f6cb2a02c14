// json_text.hpp: the runner writes small JSON documents by hand (reports, the public
// configuration, request bodies, records read from CSV and xlsx); this is the one place
// that quotes a string for them.
#pragma once

#include <string>
#include <string_view>

namespace nightjar::runner {

// AppendJsonString appends `s` as a JSON string literal: quote, backslash and bytes below
// 0x20 escaped (RFC 8259); other bytes, UTF-8 included, copied as they are, runs of plain
// bytes at once.
void AppendJsonString(std::string& out, std::string_view s);

// JsonString returns `s` as a JSON string literal (AppendJsonString into a new string).
std::string JsonString(std::string_view s);

}  // namespace nightjar::runner

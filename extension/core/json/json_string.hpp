// json_string.hpp: the one JSON string quoter of the project. The core writes JSON by hand
// (golden records, consolidation results) and so does the runner (reports, request bodies,
// records read from CSV and xlsx); both use this.
#pragma once

#include <string>
#include <string_view>

namespace nightjar::core {

// AppendJsonString appends `s` as a JSON string literal: quote, backslash and bytes below
// 0x20 escaped (RFC 8259); other bytes, UTF-8 included, copied as they are, runs of plain
// bytes at once.
void AppendJsonString(std::string& out, std::string_view s);

// JsonString returns `s` as a JSON string literal (AppendJsonString into a new string).
std::string JsonString(std::string_view s);

}  // namespace nightjar::core

#include "core/cpp_only.hpp"

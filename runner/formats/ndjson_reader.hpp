// ndjson_reader.hpp: NDJSON / JSON Lines — one JSON object a line.
#pragma once

#include <memory>
#include <string>

#include "runner/formats/reader.hpp"

namespace nightjar::runner::formats {

// OpenNdjsonReader opens an NDJSON file (options: max_record_bytes).
std::unique_ptr<RecordReader> OpenNdjsonReader(const std::string& path, const FormatOptions& opts);

// ValidateJsonObject checks that `text` (with SIMDJSON_PADDING bytes of capacity after its
// end) is one valid JSON object; returns "" or the problem. Shared with the JSON reader.
std::string ValidateJsonObject(std::string& text);

// ThrowInvalidRecord throws the FormatError of a record ValidateJsonObject refused: at the
// first invalid UTF-8 byte when there is one (simdjson names no offset), else at a lone
// surrogate escape (jsonb_guard) when there is one, else at the record's first byte. The record
// text must be the file's bytes (NDJSON line, JSON element).
[[noreturn]] void ThrowInvalidRecord(const Record& rec, const std::string& problem);

// ObjectKeys returns the keys of a JSON object text, in order.
std::vector<std::string> ObjectKeys(std::string& text);

}  // namespace nightjar::runner::formats

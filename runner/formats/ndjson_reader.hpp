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

// ObjectKeys returns the keys of a JSON object text, in order.
std::vector<std::string> ObjectKeys(std::string& text);

}  // namespace nightjar::runner::formats

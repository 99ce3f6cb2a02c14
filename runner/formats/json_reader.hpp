// json_reader.hpp: one JSON document; its records are the elements of the array at
// `json_path` (dotted keys), or of a top-level array, or the document itself.
#pragma once

#include <memory>
#include <string>

#include "runner/formats/reader.hpp"

namespace nightjar::runner::formats {

// OpenJsonReader opens a JSON file (options: json_path, max_record_bytes).
std::unique_ptr<RecordReader> OpenJsonReader(const std::string& path, const FormatOptions& opts);

}  // namespace nightjar::runner::formats

// xlsx_reader.hpp: one sheet of an Office Open XML workbook, a header row then records.
#pragma once

#include <memory>
#include <string>

#include "runner/formats/reader.hpp"

namespace nightjar::runner::formats {

// OpenXlsxReader opens an xlsx file (options: sheet, max_uncompressed_bytes,
// max_compression_ratio, max_record_bytes; expected_headers picks the header row).
std::unique_ptr<RecordReader> OpenXlsxReader(const std::string& path, const FormatOptions& opts);

// ColumnIndex returns the 0-based column of a cell reference ("B7" -> 1), or -1.
int ColumnIndex(const char* ref);

}  // namespace nightjar::runner::formats

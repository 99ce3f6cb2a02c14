// csv_reader.hpp: CSV / TSV with a header row (RFC 4180 quoting, ',' ';' or tab).
#pragma once

#include <memory>
#include <string>

#include "runner/formats/reader.hpp"

namespace nightjar::runner::formats {

// OpenCsvReader opens a CSV file (options: delimiter, encoding, max_record_bytes). With
// `peek`, the encoding is decided from the header line alone (for PeekHeaders).
std::unique_ptr<RecordReader> OpenCsvReader(const std::string& path, const FormatOptions& opts,
                                            bool peek = false);

// DetectDelimiter returns ',', ';' or '\t', whichever occurs most often outside quotes
// in the header line (`fallback` when none does).
char DetectDelimiter(const std::string& header_line, char fallback);

// OptionDelimiter returns the delimiter the options force ("tab" and "\t" mean tab), or 0.
char OptionDelimiter(const FormatOptions& opts);

}  // namespace nightjar::runner::formats

// record_stream.hpp: the stager's record stream, each record with its place in its file.
#pragma once

#include <functional>
#include <string>

#include "runner/config/config.hpp"
#include "runner/formats/reader.hpp"

namespace nightjar::runner {

// ForEachPositionedRecord streams every record of the file with its position (rec.pos:
// line where the record starts — the sheet row for xlsx — and record number within the
// file, both from 1); `name` is the name used in error messages. Throws FileError naming
// file, line and byte offset; an exception thrown by the sink passes through unchanged.
// Returns the number of records.
long ForEachPositionedRecord(const std::string& path, const std::string& name,
                             const SourceConfig& source,
                             const std::function<void(const formats::Record& rec)>& sink);

// LineOfRecord re-reads the file and returns the line where its record number n starts,
// or 0 when the file has fewer records or cannot be read (used on the failure path only).
long LineOfRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                  long n);

}  // namespace nightjar::runner

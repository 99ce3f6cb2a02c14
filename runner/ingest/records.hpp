// records.hpp: the stager's view of a file's records, adapting runner/formats readers.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runner/config/config.hpp"
#include "runner/formats/reader.hpp"

namespace nightjar::runner {

// ForEachRecord streams every record of the file — its JSON object text and its position
// (rec.pos: the line where it starts, the sheet row for xlsx, and its number within the
// file, both from 1); `name` is the name used in error messages. Throws FileError naming
// file, line and byte offset; an exception thrown by the sink passes through unchanged.
// Returns the number of records.
long ForEachRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                   const std::function<void(const formats::Record& rec)>& sink);

// LineOfRecord re-reads the file and returns the line where its record number n starts,
// or 0 when the file has fewer records or cannot be read (used on the failure path only).
long LineOfRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                  long n);

// HeaderFraction opens the file and returns the fraction of expected headers it has (1
// when none are expected), or nullopt when the file cannot be read: such a file keeps its
// name score and fails at staging with the reader's error, instead of silently dropping
// below min_confidence.
std::optional<double> HeaderFraction(const std::string& path, const SourceConfig& source);

}  // namespace nightjar::runner

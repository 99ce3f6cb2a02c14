// records.hpp: the stager's view of a file's records, adapting runner/formats readers.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// ForEachRecord streams every record of the file as one JSON object text; `name` is the
// name used in error messages. Throws FileError naming file, line and byte offset.
// Returns the number of records.
long ForEachRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                   const std::function<void(const std::string& json)>& sink);

// HeaderFraction opens the file and returns the fraction of expected headers it has
// (1 when none are expected, 0 when the file cannot be read).
double HeaderFraction(const std::string& path, const SourceConfig& source);

}  // namespace nightjar::runner

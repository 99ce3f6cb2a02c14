// records.hpp: the stager's view of a file's records, adapting runner/formats readers.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// ForEachRecord streams every record of the file as one JSON object text; `name` is the
// name used in error messages. Throws FileError naming file, line and byte offset.
// Returns the number of records.
long ForEachRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                   const std::function<void(const std::string& json)>& sink);

// HeaderFraction opens the file and returns the fraction of expected headers it has (1
// when none are expected), or nullopt when the file cannot be read: such a file keeps its
// name score and fails at staging with the reader's error, instead of silently dropping
// below min_confidence.
std::optional<double> HeaderFraction(const std::string& path, const SourceConfig& source);

}  // namespace nightjar::runner

// records.hpp: the stager's view of a file's records, adapting runner/formats readers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runner/config/config.hpp"
#include "runner/formats/reader.hpp"
#include "runner/model/errors.hpp"

namespace nightjar::runner {

// StagedBytes names the bytes a file's records were read from: their SHA-256 (hex) and
// count. For json, ndjson and csv they are the bytes the reader read, hashed as it read
// them (one read of the file); xlsx, read through its zip directory, is hashed by a pass
// of its own before its records are read.
struct StagedBytes {
    std::string sha256;
    std::uint64_t size = 0;
};

// FileChangedError is a file that changed while its records were being read: its size,
// inode or modification time differ before and after, or the reader read a number of
// bytes other than its size. It fails the file, which stays where it is (the next run
// stages its new content).
class FileChangedError : public FileError {
  public:
    using FileError::FileError;
};

// ForEachRecord streams every record of the file — its JSON object text and its position
// (rec.pos: the line where it starts, the sheet row for xlsx, and its number within the
// file, both from 1); `name` is the name used in error messages. Throws FileError naming
// file, line and byte offset; an exception thrown by the sink passes through unchanged.
// Returns the number of records. With `staged`, it also names the bytes the records came
// from (see StagedBytes) and throws FileChangedError when the file changed meanwhile.
long ForEachRecord(const std::string& path, const std::string& name, const SourceConfig& source,
                   const std::function<void(const formats::Record& rec)>& sink,
                   StagedBytes* staged = nullptr);

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

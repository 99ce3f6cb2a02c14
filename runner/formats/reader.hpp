// reader.hpp: the streaming format readers' public API. A reader turns one file (JSON,
// NDJSON, CSV/TSV, xlsx) into a sequence of records, each one JSON object text, read
// with memory bounded by the largest record (never by the file). Errors are FormatError
// and name the file, the line (xlsx: the sheet row) and the byte offset. See docs/formats.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace nightjar::runner::formats {

// Position locates a record or an error: file, 1-based line (xlsx: sheet row), byte
// offset of the line's (record's) first byte, 1-based record number (0: none yet).
struct Position {
    std::string file;
    long line = 0;
    std::uint64_t byte_offset = 0;
    long record_no = 0;
};

// Record is one record: a JSON object text (UTF-8) of the record's fields only.
struct Record {
    std::string json;
    Position pos;
    bool jsonb_key_order = false;  // its top-level keys are unique and in jsonb's order
};

// FormatError is a malformed file; what() is "FILE:LINE (byte N): problem".
class FormatError : public std::runtime_error {
  public:
    FormatError(const Position& pos, const std::string& problem);
    Position pos;
    std::string problem;
};

// ByteTap sees every byte a sequential reader (json, ndjson, csv) reads from its file, in
// file order, block by block, once each: the stager hashes the bytes it stages with it.
class ByteTap {
  public:
    virtual ~ByteTap() = default;
    // Bytes receives the next block read from the file.
    virtual void Bytes(const char* data, std::size_t n) = 0;
};

// FormatOptions selects the reader and tunes it; `options` holds [source.format_options].
struct FormatOptions {
    std::string format;                          // "" or "auto": by extension
    std::map<std::string, std::string> options;  // delimiter, encoding, json_path, sheet, caps...
    char delimiter = 0;                          // 0: detect (CSV)
    std::vector<std::string> expected_headers;   // xlsx header-row detection
    ByteTap* tap = nullptr;  // sequential readers pass it every byte read (not xlsx)
    // CSV writes each record's keys in jsonb's order (shorter first, then bytewise) and
    // says so (Record::jsonb_key_order): the stager's COPY then need not reorder them.
    bool jsonb_key_order = false;

    // Get returns the option `key`, or `fallback` when it is absent.
    std::string Get(const std::string& key, const std::string& fallback = "") const;
    // GetSize returns the option `key` as a non-negative integer, or `fallback`.
    std::uint64_t GetSize(const std::string& key, std::uint64_t fallback) const;
};

// Defaults of the caps (bytes), overridable by the options of the same name.
constexpr std::uint64_t kDefaultMaxRecordBytes = 16ull << 20;         // max_record_bytes
constexpr std::uint64_t kDefaultMaxUncompressedBytes = 256ull << 20;  // max_uncompressed_bytes
constexpr std::uint64_t kDefaultMaxCompressionRatio = 500;            // max_compression_ratio

// RecordReader yields a file's records one at a time.
class RecordReader {
  public:
    virtual ~RecordReader() = default;
    // Next fills `rec` with the next record and returns false at the end of the file.
    virtual bool Next(Record& rec) = 0;
    // Headers returns the record keys known before the first record (CSV, xlsx), else {}.
    virtual std::vector<std::string> Headers() { return {}; }
};

// ResolveFormat returns json, ndjson, csv or xlsx for the file (explicit format or extension).
std::string ResolveFormat(const std::string& path, const FormatOptions& opts);

// KnownOptionNames lists the option names the readers read, in documentation order.
const std::vector<std::string>& KnownOptionNames();

// UnknownOptionProblem returns "" when `key` is a known option, else the problem text
// ("unknown format option 'KEY' (known: ...)"), shared by the config check and the readers.
std::string UnknownOptionProblem(const std::string& key);

// OptionValueProblem returns "" when `value` is acceptable for the known option `key`, else
// the problem text (an unknown encoding, a delimiter that is not one character, dates not
// iso/number, a cap that is not a non-negative integer), so `apply` refuses it at load time.
std::string OptionValueProblem(const std::string& key, const std::string& value);

// CheckOptionNames throws FormatError for an option name no reader knows.
void CheckOptionNames(const std::string& path, const FormatOptions& opts);

// ReadsSequentially tells whether the format's reader reads its file once, front to back,
// through FormatOptions::tap (json, ndjson, csv; xlsx is read through its zip directory).
bool ReadsSequentially(const std::string& format);

// OpenReader opens the file with the reader of its format; throws FormatError.
std::unique_ptr<RecordReader> OpenReader(const std::string& path, const FormatOptions& opts);

// PeekHeaders returns the file's header names: CSV header row, xlsx detected header row,
// JSON/NDJSON keys of the first record.
std::vector<std::string> PeekHeaders(const std::string& path, const FormatOptions& opts);

// HeaderScore returns the fraction of `expected` names present in `headers`, comparing
// case-, accent-, space- and punctuation-insensitively (1 when nothing is expected).
double HeaderScore(const std::vector<std::string>& headers,
                   const std::vector<std::string>& expected);

// NormalizeHeader folds a header name for comparison: accents removed and lower case (the
// core's Unaccent and Lower, as normalisation rules fold),
// only letters and digits kept.
std::string NormalizeHeader(const std::string& name);

// UniqueHeaders trims names, names empty ones column_N and suffixes duplicates _2, _3...
std::vector<std::string> UniqueHeaders(const std::vector<std::string>& raw);

}  // namespace nightjar::runner::formats

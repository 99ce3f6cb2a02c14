// encoding.hpp: text encodings of CSV files. Records are UTF-8; a file is either valid
// UTF-8 or converted from Windows-1252 (a superset of Latin-1's printable characters) as
// a whole. Policy (option `encoding`): auto (default) scans the whole file once before
// reading — so an invalid byte late in the file still switches the whole file to
// Windows-1252, never half of it; utf-8 makes the first invalid byte an error naming its
// line and byte; latin1 / windows-1252 / cp1252 force the conversion.
#pragma once

#include <cstddef>
#include <string>

namespace nightjar::runner::formats {

// Encoding is how a file's bytes become UTF-8.
enum class Encoding { kUtf8, kWindows1252 };

// FindInvalidUtf8 returns the offset of the first byte of `data` that is not part of a
// valid UTF-8 sequence, or std::string::npos when all of it is valid.
size_t FindInvalidUtf8(const char* data, size_t len);

// IsUtf8File returns true when the whole file is valid UTF-8 (read in blocks, constant memory).
bool IsUtf8File(const std::string& path);

// ChooseEncoding applies the `encoding` option to the file; throws std::invalid_argument
// for an unknown encoding name.
Encoding ChooseEncoding(const std::string& path, const std::string& option);

// AppendWindows1252AsUtf8 appends the Windows-1252 bytes converted to UTF-8 to `out`.
void AppendWindows1252AsUtf8(const char* data, size_t len, std::string& out);

}  // namespace nightjar::runner::formats

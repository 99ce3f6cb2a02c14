// checksum.hpp: SHA-256 of a file (OpenSSL EVP), streamed in 1 MiB blocks.
#pragma once

#include <cstdint>
#include <string>

namespace nightjar::runner {

// Sha256File returns the lowercase hex SHA-256 of the file and its size; throws FileError.
std::string Sha256File(const std::string& path, std::uint64_t* size);

// Sha256Hex returns the lowercase hex SHA-256 of a string.
std::string Sha256Hex(const std::string& data);

}  // namespace nightjar::runner

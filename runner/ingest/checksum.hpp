// checksum.hpp: SHA-256 (OpenSSL EVP): of a file streamed in 1 MiB blocks, of a string, or
// of bytes fed block by block (the stager hashes what its reader reads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace nightjar::runner {

// Sha256 hashes bytes given in pieces; Hex() ends it (call it once).
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    // Update adds n bytes.
    void Update(const void* data, std::size_t n);
    // Hex returns the lowercase hex digest of everything added.
    std::string Hex();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Sha256File returns the lowercase hex SHA-256 of the file and its size; throws FileError.
std::string Sha256File(const std::string& path, std::uint64_t* size);

// Sha256Hex returns the lowercase hex SHA-256 of a string.
std::string Sha256Hex(const std::string& data);

}  // namespace nightjar::runner

// zip_archive.hpp: read-only access to zip members (libzip) with zip-bomb caps: a member
// whose declared uncompressed size exceeds max_uncompressed_bytes, or whose declared
// compression ratio exceeds max_compression_ratio, is refused before inflating; and the
// bytes actually inflated are counted while reading, since declared sizes can lie. Member
// names are looked up as OPC part names: case-insensitively, backslashes read as slashes.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "runner/formats/reader.hpp"

struct zip;
struct zip_file;

namespace nightjar::runner::formats {

// ZipArchive is an open zip file.
class ZipArchive {
  public:
    ZipArchive(const std::string& path, std::uint64_t max_uncompressed, std::uint64_t max_ratio);
    ~ZipArchive();
    ZipArchive(const ZipArchive&) = delete;
    ZipArchive& operator=(const ZipArchive&) = delete;

    // Has returns true when the member exists. Names are OPC part names: compared
    // case-insensitively, with a backslash read as a slash (writers produce both).
    bool Has(const std::string& name) const;
    // ReadAll returns a whole member (capped like every read).
    std::string ReadAll(const std::string& name);

    // Member streams one member's bytes.
    class Member {
      public:
        Member(ZipArchive& zip, const std::string& name);
        ~Member();
        Member(const Member&) = delete;
        Member& operator=(const Member&) = delete;
        // Read inflates up to n bytes into buf; returns 0 at the end.
        size_t Read(char* buf, size_t n);

      private:
        ZipArchive& zip_;
        std::string name_;
        zip_file* file_ = nullptr;
        std::uint64_t inflated_ = 0;
    };

  private:
    // Locate returns the member's index, or -1 (case-insensitive, '\\' as '/').
    std::int64_t Locate(const std::string& name) const;
    // Fail throws a FormatError about the archive.
    [[noreturn]] void Fail(const std::string& problem) const;

    std::string path_;
    zip* zip_ = nullptr;
    std::uint64_t max_uncompressed_;
    std::uint64_t max_ratio_;
    std::map<std::string, std::int64_t> index_;  // folded part name -> member index
};

}  // namespace nightjar::runner::formats

// input.hpp: buffered sequential reading of a file, by line or by byte, tracking the line
// number and byte offset for error messages. Memory: one 1 MiB buffer plus the current
// line (capped by the caller's max_record_bytes).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "runner/formats/reader.hpp"

namespace nightjar::runner::formats {

// FileInput reads a file forward; the UTF-8 BOM at its start is skipped. Every block read
// goes to `tap` too, when there is one (the BOM included).
class FileInput {
  public:
    explicit FileInput(const std::string& path, ByteTap* tap = nullptr);
    ~FileInput();
    FileInput(const FileInput&) = delete;
    FileInput& operator=(const FileInput&) = delete;

    // ReadLine reads the next line without its "\n" or "\r\n"; false at end of file.
    // A line longer than max_bytes is a FormatError naming its line.
    bool ReadLine(std::string& line, std::uint64_t max_bytes);
    // Get returns the next byte (0..255) or -1 at end of file.
    int Get() {
        if (pos_ == len_ && !Fill()) return -1;
        unsigned char c = static_cast<unsigned char>(buf_[pos_++]);
        ++offset_;
        if (c == '\n') ++line_;
        return c;
    }
    // Peek returns the next byte without consuming it, or -1 at end of file.
    int Peek() {
        if (pos_ == len_ && !Fill()) return -1;
        return static_cast<unsigned char>(buf_[pos_]);
    }
    // Here returns the position of the next byte (line, offset).
    Position Here() const { return Position{path_, line_, offset_, 0}; }
    // LineStart returns the position of the first byte of the last line ReadLine returned.
    Position LineStart() const { return Position{path_, last_line_, last_start_, 0}; }
    const std::string& path() const { return path_; }
    // EndedWithCr tells whether the last line ReadLine returned ended with "\r\n".
    bool EndedWithCr() const { return last_cr_; }

  private:
    // Fill refills the buffer; returns false at end of file.
    bool Fill();

    std::string path_;
    std::FILE* f_ = nullptr;
    ByteTap* tap_ = nullptr;
    std::string buf_;
    size_t pos_ = 0, len_ = 0;
    long line_ = 1;
    std::uint64_t offset_ = 0;
    long last_line_ = 0;
    std::uint64_t last_start_ = 0;
    bool last_cr_ = false;
};

}  // namespace nightjar::runner::formats

// input.cpp: FileInput, a 1 MiB buffered reader with line/offset tracking. ReadLine finds
// line ends with memchr over the buffer, so the per-byte cost is that of memchr + memcpy.
#include "runner/formats/input.hpp"

#include <cerrno>
#include <cstring>

namespace nightjar::runner::formats {

namespace {
constexpr size_t kBufferBytes = 1 << 20;
}

// FileInput opens the file and skips a UTF-8 byte order mark.
FileInput::FileInput(const std::string& path, ByteTap* tap) : path_(path), tap_(tap) {
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_)
        throw FormatError(Position{path, 0, 0, 0},
                          std::string("cannot open: ") + std::strerror(errno));
    buf_.resize(kBufferBytes);
    if (Fill() && len_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) {
        pos_ = 3;
        offset_ = 3;
    }
}

// ~FileInput closes the file.
FileInput::~FileInput() {
    if (f_) std::fclose(f_);
}

// Fill reads the next block into the buffer and shows it to the tap.
bool FileInput::Fill() {
    if (!f_) return false;
    len_ = std::fread(&buf_[0], 1, buf_.size(), f_);
    pos_ = 0;
    if (len_ == 0) {
        if (std::ferror(f_))
            throw FormatError(Here(), std::string("read error: ") + std::strerror(errno));
        return false;
    }
    if (tap_) tap_->Bytes(buf_.data(), len_);
    return true;
}

// ReadLine copies bytes up to the next newline into `line`.
bool FileInput::ReadLine(std::string& line, std::uint64_t max_bytes) {
    line.clear();
    last_line_ = line_;
    last_start_ = offset_;
    bool any = false;
    for (;;) {
        if (pos_ == len_ && !Fill()) break;
        any = true;
        const char* start = buf_.data() + pos_;
        const void* nl = std::memchr(start, '\n', len_ - pos_);
        size_t n = nl ? static_cast<const char*>(nl) - start : len_ - pos_;
        if (line.size() + n > max_bytes)
            throw FormatError(LineStart(), "line longer than max_record_bytes (" +
                                               std::to_string(max_bytes) + " bytes)");
        line.append(start, n);
        pos_ += n;
        offset_ += n;
        if (nl) {
            ++pos_;
            ++offset_;
            ++line_;
            break;
        }
    }
    if (!any) return false;
    last_cr_ = !line.empty() && line.back() == '\r';
    if (last_cr_) line.pop_back();
    return true;
}

}  // namespace nightjar::runner::formats

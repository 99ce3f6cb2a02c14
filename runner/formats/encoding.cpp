// encoding.cpp: UTF-8 validation (simdjson's SIMD validator on the fast path, a scalar
// pass only to locate an error) and a table-driven Windows-1252 to UTF-8 conversion.
// The table is written out rather than using iconv because iconv rejects the five bytes
// Windows-1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D); here they map to the C1
// controls of the same value, as Windows itself does, so a conversion never fails.
#include "runner/formats/encoding.hpp"

#include <simdjson.h>

#include <cstdio>
#include <stdexcept>

namespace nightjar::runner::formats {

namespace {

// Code points of Windows-1252 bytes 0x80..0x9F.
constexpr unsigned kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// SequenceLength returns the length of the UTF-8 sequence at p (0 if invalid or
// incomplete within `avail` bytes; -1 if valid so far but cut by the end).
int SequenceLength(const unsigned char* p, size_t avail) {
    unsigned c = p[0];
    if (c < 0x80) return 1;
    int n;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        min = 0x10000;
    } else
        return 0;
    unsigned cp = c & (0x7F >> n);
    for (int i = 1; i < n; ++i) {
        if (static_cast<size_t>(i) >= avail) return -1;
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

}  // namespace

// FindInvalidUtf8 scans for the first invalid byte.
size_t FindInvalidUtf8(const char* data, size_t len) {
    if (simdjson::validate_utf8(data, len)) return std::string::npos;
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    size_t i = 0;
    while (i < len) {
        int n = SequenceLength(p + i, len - i);
        if (n <= 0) return i;
        i += n;
    }
    return std::string::npos;
}

// IsUtf8File validates the file block by block, carrying a sequence cut by a block end.
bool IsUtf8File(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return true;  // the reader reports the open error itself
    std::string buf(1 << 20, '\0');
    size_t carry = 0;
    bool ok = true;
    for (;;) {
        size_t n = std::fread(&buf[carry], 1, buf.size() - carry, f);
        size_t len = carry + n;
        if (len == 0) break;
        // Keep back an incomplete final sequence (at most 3 bytes) unless at end of file.
        size_t keep = 0;
        if (n > 0) {
            for (size_t k = 1; k <= 3 && k <= len; ++k) {
                unsigned char c = static_cast<unsigned char>(buf[len - k]);
                if ((c & 0xC0) == 0x80) continue;
                if (c >= 0xC0 &&
                    SequenceLength(reinterpret_cast<unsigned char*>(&buf[len - k]), k) == -1)
                    keep = k;
                break;
            }
        }
        if (!simdjson::validate_utf8(buf.data(), len - keep)) {
            ok = false;
            break;
        }
        if (n == 0) break;
        for (size_t k = 0; k < keep; ++k) buf[k] = buf[len - keep + k];
        carry = keep;
    }
    std::fclose(f);
    return ok;
}

// ChooseEncoding maps the option to an encoding, scanning the file for `auto`.
Encoding ChooseEncoding(const std::string& path, const std::string& option) {
    std::string o;
    for (char c : option) o += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (o.empty() || o == "auto")
        return IsUtf8File(path) ? Encoding::kUtf8 : Encoding::kWindows1252;
    if (o == "utf-8" || o == "utf8") return Encoding::kUtf8;
    if (o == "latin1" || o == "latin-1" || o == "iso-8859-1" || o == "windows-1252" ||
        o == "cp1252")
        return Encoding::kWindows1252;
    throw std::invalid_argument("unknown encoding '" + option +
                                "' (auto, utf-8, latin1, windows-1252)");
}

// AppendWindows1252AsUtf8 converts byte by byte.
void AppendWindows1252AsUtf8(const char* data, size_t len, std::string& out) {
    for (size_t i = 0; i < len; ++i) {
        unsigned c = static_cast<unsigned char>(data[i]);
        if (c < 0x80) {
            out += static_cast<char>(c);
            continue;
        }
        unsigned cp = c < 0xA0 ? kCp1252High[c - 0x80] : c;
        if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
}

}  // namespace nightjar::runner::formats

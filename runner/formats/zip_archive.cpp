// zip_archive.cpp: libzip wrapper. Caps are checked twice: on the central directory's
// declared sizes before opening a member, and on the running count of inflated bytes
// while reading it (a forged directory cannot make us inflate past the cap).
#include "runner/formats/zip_archive.hpp"

#include <zip.h>

#include <cstdio>
#include <cstring>

namespace nightjar::runner::formats {

namespace {

// FoldPartName folds a part name for lookup: ASCII lower case, a backslash as '/', no leading '/'.
std::string FoldPartName(const std::string& name) {
    std::string out;
    for (char c : name) {
        if (c == '\\') c = '/';
        out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (!out.empty() && out[0] == '/') out.erase(0, 1);
    return out;
}

}  // namespace

// ZipArchive opens the archive read-only.
ZipArchive::ZipArchive(const std::string& path, std::uint64_t max_uncompressed,
                       std::uint64_t max_ratio)
    : path_(path), max_uncompressed_(max_uncompressed), max_ratio_(max_ratio) {
    int err = 0;
    zip_ = zip_open(path.c_str(), ZIP_RDONLY, &err);
    if (!zip_) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        std::string msg = zip_error_strerror(&ze);
        zip_error_fini(&ze);
        unsigned char magic[8] = {0};
        if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
            if (std::fread(magic, 1, sizeof magic, f) != sizeof magic) magic[0] = 0;
            std::fclose(f);
        }
        static const unsigned char kOle[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
        if (std::memcmp(magic, kOle, sizeof kOle) == 0)
            Fail(
                "an OLE compound file, not an xlsx package: a password-protected (encrypted) "
                "workbook or a legacy .xls; save it unprotected as .xlsx");
        Fail("not a readable zip (xlsx) file: " + msg);
    }
    zip_int64_t n = zip_get_num_entries(zip_, 0);
    for (zip_int64_t i = 0; i < n; ++i) {
        const char* name = zip_get_name(zip_, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
        if (name) index_.emplace(FoldPartName(name), i);  // the first of equal names wins
    }
}

// Locate finds the member by folded name.
std::int64_t ZipArchive::Locate(const std::string& name) const {
    auto it = index_.find(FoldPartName(name));
    return it == index_.end() ? -1 : it->second;
}

// ~ZipArchive closes the archive.
ZipArchive::~ZipArchive() {
    if (zip_) zip_discard(zip_);
}

// Fail throws with the archive's position (line 0, byte 0).
void ZipArchive::Fail(const std::string& problem) const {
    throw FormatError(Position{path_, 0, 0, 0}, problem);
}

// Has looks the member up by name.
bool ZipArchive::Has(const std::string& name) const { return Locate(name) >= 0; }

// ReadAll reads a member into a string.
std::string ZipArchive::ReadAll(const std::string& name) {
    Member m(*this, name);
    std::string out;
    char buf[65536];
    for (size_t n; (n = m.Read(buf, sizeof buf)) > 0;) out.append(buf, n);
    return out;
}

// Member checks the declared sizes and opens the member.
ZipArchive::Member::Member(ZipArchive& zip, const std::string& name) : zip_(zip), name_(name) {
    zip_int64_t idx = zip.Locate(name);
    if (idx < 0) zip.Fail("member " + name + " not found");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip.zip_, idx, 0, &st) != 0) zip.Fail("cannot stat member " + name);
    if ((st.valid & ZIP_STAT_SIZE) && st.size > zip.max_uncompressed_)
        zip.Fail("member " + name + " declares " + std::to_string(st.size) +
                 " uncompressed bytes, over max_uncompressed_bytes (" +
                 std::to_string(zip.max_uncompressed_) + ")");
    if ((st.valid & ZIP_STAT_SIZE) && (st.valid & ZIP_STAT_COMP_SIZE) && st.size > (1u << 20) &&
        st.size / (st.comp_size ? st.comp_size : 1) > zip.max_ratio_)
        zip.Fail("member " + name + " has a compression ratio of " +
                 std::to_string(st.size / (st.comp_size ? st.comp_size : 1)) +
                 ":1, over max_compression_ratio (" + std::to_string(zip.max_ratio_) + ")");
    file_ = zip_fopen_index(zip.zip_, idx, 0);
    if (!file_) zip.Fail("cannot open member " + name + ": " + zip_strerror(zip.zip_));
}

// ~Member closes the member.
ZipArchive::Member::~Member() {
    if (file_) zip_fclose(file_);
}

// Read inflates the next bytes, counting them against the cap.
size_t ZipArchive::Member::Read(char* buf, size_t n) {
    zip_int64_t got = zip_fread(file_, buf, n);
    if (got < 0) zip_.Fail("cannot read member " + name_ + ": " + zip_file_strerror(file_));
    inflated_ += static_cast<std::uint64_t>(got);
    if (inflated_ > zip_.max_uncompressed_)
        zip_.Fail("member " + name_ + " inflates past max_uncompressed_bytes (" +
                  std::to_string(zip_.max_uncompressed_) + ")");
    return static_cast<size_t>(got);
}

}  // namespace nightjar::runner::formats

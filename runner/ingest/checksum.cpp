// checksum.cpp: SHA-256 through OpenSSL's EVP interface, streamed so memory stays at
// one 1 MiB block whatever the file size (Sha256 takes the blocks a reader reads).
#include "runner/ingest/checksum.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "runner/model/errors.hpp"

namespace nightjar::runner {

namespace {

// Hex renders a digest as lowercase hex.
std::string Hex(const unsigned char* d, unsigned n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < n; ++i) {
        out += digits[d[i] >> 4];
        out += digits[d[i] & 15];
    }
    return out;
}

using Ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

}  // namespace

struct Sha256::Impl {
    Ctx ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

// Sha256 starts a digest.
Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
    EVP_DigestInit_ex(impl_->ctx.get(), EVP_sha256(), nullptr);
}

// ~Sha256 frees the digest context.
Sha256::~Sha256() = default;

// Update adds the bytes to the digest.
void Sha256::Update(const void* data, std::size_t n) {
    EVP_DigestUpdate(impl_->ctx.get(), data, n);
}

// Hex finishes the digest.
std::string Sha256::Hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(impl_->ctx.get(), digest, &len);
    return nightjar::runner::Hex(digest, len);
}

// Sha256File returns the lowercase hex SHA-256 of the file and its size.
std::string Sha256File(const std::string& path, std::uint64_t* size) {
    std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) throw FileError("cannot open " + path + " to checksum it");
    Ctx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    std::vector<unsigned char> buf(1 << 20);
    std::uint64_t total = 0;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
        EVP_DigestUpdate(ctx.get(), buf.data(), n);
        total += n;
    }
    if (std::ferror(f.get())) throw FileError("read error while checksumming " + path);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &len);
    if (size) *size = total;
    return Hex(digest, len);
}

// Sha256Hex returns the lowercase hex SHA-256 of a string.
std::string Sha256Hex(const std::string& data) {
    Ctx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    EVP_DigestUpdate(ctx.get(), data.data(), data.size());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &len);
    return Hex(digest, len);
}

}  // namespace nightjar::runner

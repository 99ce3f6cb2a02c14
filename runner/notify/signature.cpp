// signature.cpp: base64 and HMAC-SHA256 through OpenSSL's libcrypto (already linked for
// checksums), and the Standard Webhooks signing string. Nothing here logs or echoes a key.
#include "runner/notify/signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace nightjar::runner {

// Base64Encode encodes bytes in standard base64 with padding, on one line.
std::string Base64Encode(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

// Base64Decode decodes standard base64 (padding optional); throws std::invalid_argument.
std::string Base64Decode(const std::string& text) {
    std::string in = text;
    while (in.size() % 4 != 0) in.push_back('=');
    for (char c : in)
        if (!(isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '='))
            throw std::invalid_argument("invalid base64 character");
    std::string out(3 * in.size() / 4 + 1, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()),
                            static_cast<int>(in.size()));
    if (n < 0) throw std::invalid_argument("invalid base64");
    // EVP_DecodeBlock counts padding as zero bytes: drop one per '='.
    size_t pad = 0;
    for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) ++pad;
    out.resize(static_cast<size_t>(n) - pad);
    return out;
}

// HmacSha256 returns the raw 32-byte HMAC-SHA256 of message under key.
std::string HmacSha256(const std::string& key, const std::string& message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len))
        throw std::runtime_error("HMAC-SHA256 failed");
    return std::string(reinterpret_cast<char*>(digest), len);
}

// WebhookKey returns the signing key of a secret "whsec_<base64>" (the decoded bytes).
std::string WebhookKey(const std::string& secret) {
    const std::string prefix = "whsec_";
    if (secret.compare(0, prefix.size(), prefix) != 0)
        throw std::invalid_argument("webhook secret must start with whsec_");
    std::string key;
    try {
        key = Base64Decode(secret.substr(prefix.size()));
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument("webhook secret after whsec_ is not base64");
    }
    if (key.size() < 16) throw std::invalid_argument("webhook secret is shorter than 16 bytes");
    return key;
}

// SignWebhook returns the webhook-signature header value "v1,<base64 hmac>".
std::string SignWebhook(const std::string& key, const std::string& id, long long timestamp,
                        const std::string& body) {
    std::string signed_content = id + "." + std::to_string(timestamp) + "." + body;
    return "v1," + Base64Encode(HmacSha256(key, signed_content));
}

}  // namespace nightjar::runner

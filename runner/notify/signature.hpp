// signature.hpp: the Standard Webhooks signature (https://www.standardwebhooks.com/):
// base64 of HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>", keyed with the
// base64-decoded part of a "whsec_..." secret, sent as "v1,<signature>".
#pragma once

#include <string>

namespace nightjar::runner {

// Base64Encode encodes bytes in standard base64 with padding, on one line.
std::string Base64Encode(const std::string& bytes);

// Base64Decode decodes standard base64 (padding optional); throws std::invalid_argument.
std::string Base64Decode(const std::string& text);

// HmacSha256 returns the raw 32-byte HMAC-SHA256 of message under key.
std::string HmacSha256(const std::string& key, const std::string& message);

// WebhookKey returns the signing key of a secret "whsec_<base64>" (the decoded bytes);
// throws std::invalid_argument without echoing the secret.
std::string WebhookKey(const std::string& secret);

// SignWebhook returns the webhook-signature header value "v1,<base64 hmac>".
std::string SignWebhook(const std::string& key, const std::string& id, long long timestamp,
                        const std::string& body);

}  // namespace nightjar::runner

// senders.hpp: one delivery attempt by e-mail (SMTP) or webhook (HTTP POST), each through
// a reused libcurl handle so that a run of messages shares one connection.
#pragma once

#include <memory>
#include <string>

#include "runner/notify/mime.hpp"
#include "runner/notify/notify_config.hpp"

namespace nightjar::runner {

// SendOutcome is the result of one attempt. `error` never contains a secret.
struct SendOutcome {
    bool ok = false;
    bool permanent = false;         // do not retry (SMTP 5xx, HTTP 410 and other refusals)
    bool disable_endpoint = false;  // HTTP 410 Gone
    long status = 0;                // SMTP or HTTP response code (0: transport error)
    std::string error;
};

// SmtpSender sends e-mails through one relay.
class SmtpSender {
  public:
    explicit SmtpSender(const SmtpConfig& config);
    ~SmtpSender();
    SmtpSender(const SmtpSender&) = delete;
    SmtpSender& operator=(const SmtpSender&) = delete;
    // Send delivers one message to its recipient.
    SendOutcome Send(const EmailMessage& message);

  private:
    const SmtpConfig& config_;
    void* curl_;
};

// WebhookSender posts signed Standard Webhooks messages to one endpoint.
class WebhookSender {
  public:
    explicit WebhookSender(const WebhookEndpoint& endpoint);
    ~WebhookSender();
    WebhookSender(const WebhookSender&) = delete;
    WebhookSender& operator=(const WebhookSender&) = delete;
    // Send posts body with webhook-id = id, webhook-timestamp = now, and its signature.
    SendOutcome Send(const std::string& id, const std::string& body);

  private:
    const WebhookEndpoint& endpoint_;
    std::string key_;  // decoded signing key
    void* curl_;
};

// ScrubSecret replaces every occurrence of secret in text by "[redacted]".
std::string ScrubSecret(std::string text, const std::string& secret);

}  // namespace nightjar::runner

// notify_config.hpp: the [notify] part of nightjar.toml: retry policy, the SMTP relay and
// the webhook endpoints. Secrets (SMTP password, webhook secrets) are resolved from the
// environment or a file and are never printed; Describe() shows the rest.
#pragma once

#include <string>
#include <vector>

namespace nightjar::runner {

// SmtpConfig is [notify.smtp].
struct SmtpConfig {
    std::string url;  // smtp://host:port (STARTTLS per tls) or smtps://host:port
    std::string from;
    std::string username;
    std::string password;     // resolved secret (never printed)
    std::string tls = "try";  // try: STARTTLS when offered | require | off
    std::string ca_file;      // extra CA bundle (e.g. a test CA)
    int connect_timeout_s = 10;
    int timeout_s = 60;
};

// WebhookEndpoint is one [[notify.webhook]].
struct WebhookEndpoint {
    std::string name;
    std::string url;
    std::string secret;  // resolved "whsec_..." (never printed)
    int connect_timeout_s = 5;
    int timeout_s = 15;
};

// NotifyConfig is the whole [notify] table.
struct NotifyConfig {
    std::string database_url;  // [database] url, empty: DefaultDatabaseUrl()
    int batch = 20;            // messages claimed at once
    int max_attempts = 8;
    std::string retry_base = "30 seconds";  // PostgreSQL intervals
    std::string retry_cap = "6 hours";
    int lease_s = 0;  // 0: 2 * the largest timeout + 30
    int poll_s = 15;  // worker: look for due retries at least this often
    bool has_smtp = false;
    SmtpConfig smtp;
    std::vector<WebhookEndpoint> webhooks;

    // LeaseSeconds returns lease_s or the default derived from the timeouts.
    int LeaseSeconds() const;
    // FindWebhook returns the endpoint called name, or nullptr.
    const WebhookEndpoint* FindWebhook(const std::string& name) const;
};

// ParseNotifyConfig reads [database] and [notify] from TOML text; throws ConfigError.
NotifyConfig ParseNotifyConfig(const std::string& text, const std::string& origin);

// LoadNotifyConfig reads the file (a missing [notify] table gives the defaults).
NotifyConfig LoadNotifyConfig(const std::string& path);

}  // namespace nightjar::runner

// notify_config.cpp reads [notify] with the same strict TableReader as the rest of
// nightjar.toml (unknown keys are errors naming file, line and key). The rest of the file
// is parsed by runner/config/; here only [database] url is read besides [notify].
#include "runner/notify/notify_config.hpp"

#include <toml++/toml.h>

#include <algorithm>

#include "runner/config/config.hpp"
#include "runner/config/table_reader.hpp"
#include "runner/config/toml_file.hpp"
#include "runner/notify/signature.hpp"

namespace nightjar::runner {
namespace {

// ReadSmtp reads [notify.smtp].
void ReadSmtp(const toml::table& t, const std::string& origin, SmtpConfig& s) {
    TableReader r(t, "notify.smtp", origin);
    s.url = r.RequiredString("url");
    if (s.url.rfind("smtp://", 0) != 0 && s.url.rfind("smtps://", 0) != 0)
        r.Fail(r.Node("url"), "url", "must start with smtp:// or smtps://");
    s.from = r.RequiredString("from");
    r.String("username", s.username);
    r.Secret("password", s.password);
    r.String("tls", s.tls);
    if (s.tls != "try" && s.tls != "require" && s.tls != "off")
        r.Fail(r.Node("tls"), "tls", "must be try, require or off");
    r.String("ca_file", s.ca_file);
    r.Int("connect_timeout_s", s.connect_timeout_s, 1, 600);
    r.Int("timeout_s", s.timeout_s, 1, 3600);
    r.Finish();
}

// ReadWebhook reads one [[notify.webhook]].
WebhookEndpoint ReadWebhook(const toml::table& t, const std::string& where,
                            const std::string& origin) {
    TableReader r(t, where, origin);
    WebhookEndpoint w;
    w.name = r.RequiredMatching("name", "^[a-z][a-z0-9_-]{0,62}$");
    w.url = r.RequiredString("url");
    if (w.url.rfind("http://", 0) != 0 && w.url.rfind("https://", 0) != 0)
        r.Fail(r.Node("url"), "url", "must start with http:// or https://");
    if (!r.Secret("secret", w.secret))
        r.Fail(nullptr, "secret_env", "missing required key (or secret_file)");
    try {
        WebhookKey(w.secret);
    } catch (const std::invalid_argument& e) {
        r.Fail(nullptr, "secret", e.what());  // the message never contains the secret
    }
    r.Int("connect_timeout_s", w.connect_timeout_s, 1, 600);
    r.Int("timeout_s", w.timeout_s, 1, 3600);
    r.Finish();
    return w;
}

}  // namespace

// LeaseSeconds returns lease_s or the default derived from the timeouts.
int NotifyConfig::LeaseSeconds() const {
    if (lease_s > 0) return lease_s;
    int longest = has_smtp ? smtp.connect_timeout_s + smtp.timeout_s : 0;
    for (const auto& w : webhooks) longest = std::max(longest, w.connect_timeout_s + w.timeout_s);
    return 2 * longest + 30;
}

// FindWebhook returns the endpoint called name, or nullptr.
const WebhookEndpoint* NotifyConfig::FindWebhook(const std::string& name) const {
    for (const auto& w : webhooks)
        if (w.name == name) return &w;
    return nullptr;
}

// ParseNotifyConfig reads [database] and [notify] from TOML text; throws ConfigError.
NotifyConfig ParseNotifyConfig(const std::string& text, const std::string& origin) {
    toml::table root = ParseToml(text, origin);
    NotifyConfig c;
    if (const toml::table* db = root["database"].as_table()) {
        TableReader d(*db, "database", origin);
        d.Secret("url", c.database_url);  // other [database] keys are checked by LoadConfig
    }
    const toml::table* n = root["notify"].as_table();
    if (!n) return c;
    TableReader r(*n, "notify", origin);
    r.Int("batch", c.batch, 1, 1000);
    r.Int("max_attempts", c.max_attempts, 1, 100);
    r.String("retry_base", c.retry_base);
    r.String("retry_cap", c.retry_cap);
    r.Int("lease_s", c.lease_s, 0, 86400);
    r.Int("poll_s", c.poll_s, 1, 3600);
    if (const toml::table* smtp = r.Table("smtp")) {
        ReadSmtp(*smtp, origin, c.smtp);
        c.has_smtp = true;
    }
    c.webhooks = r.NamedTables<WebhookEndpoint>(
        "webhook", "endpoint", [&](const toml::table& t, const std::string& where) {
            return ReadWebhook(t, where, origin);
        });
    r.Finish();
    return c;
}

// LoadNotifyConfig reads the file (a missing [notify] table gives the defaults).
NotifyConfig LoadNotifyConfig(const std::string& path) {
    return ParseNotifyConfig(ReadConfigText(path), path);
}

}  // namespace nightjar::runner

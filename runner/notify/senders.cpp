// senders.cpp: SMTP and webhook attempts through libcurl. Each sender keeps one easy
// handle and resets its options per message, so curl reuses the connection (SMTP session
// or HTTP keep-alive) across messages. Classification: a 2xx webhook answer (or an SMTP
// transfer curl completes) is a success; HTTP 410 disables the endpoint (permanent); an
// SMTP 5xx reply other than an authentication refusal is permanent (the relay refuses
// this message); everything else (timeouts, refused connections, any other HTTP status,
// SMTP 4xx) is retried by the outbox's backoff, as the Standard Webhooks spec asks. Error texts
// come from curl's error buffer and response codes only: curl never puts a password
// there, and ScrubSecret removes it anyway should a server echo it.
#include "runner/notify/senders.hpp"

#include <curl/curl.h>

#include <cstring>
#include <ctime>
#include <stdexcept>
#include <vector>

#include "runner/notify/signature.hpp"

namespace nightjar::runner {
namespace {

// UploadState feeds the message to curl's read callback.
struct UploadState {
    const std::string* data;
    size_t offset = 0;
};

// ReadMessage copies the next part of the message into curl's buffer.
size_t ReadMessage(char* buffer, size_t size, size_t nitems, void* userdata) {
    auto* st = static_cast<UploadState*>(userdata);
    size_t room = size * nitems;
    size_t left = st->data->size() - st->offset;
    size_t n = std::min(room, left);
    memcpy(buffer, st->data->data() + st->offset, n);
    st->offset += n;
    return n;
}

// KeepBody appends up to 4 KiB of the response body (for the error text).
size_t KeepBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
    auto* out = static_cast<std::string*>(userdata);
    size_t n = size * nmemb;
    if (out->size() < 4096) out->append(ptr, std::min(n, 4096 - out->size()));
    return n;
}

// BareAddress returns the address inside "Name <addr>" (or the text itself).
std::string BareAddress(const std::string& s) {
    size_t lt = s.find('<'), gt = s.rfind('>');
    if (lt != std::string::npos && gt != std::string::npos && gt > lt)
        return s.substr(lt + 1, gt - lt - 1);
    return s;
}

// CurlFailure describes a curl error with the response code when there is one.
std::string CurlFailure(CURLcode rc, const char* errbuf, long status) {
    std::string e = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (status) e += " (response " + std::to_string(status) + ")";
    return e;
}

}  // namespace

// ScrubSecret replaces every occurrence of secret in text by "[redacted]".
std::string ScrubSecret(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    for (size_t at; (at = text.find(secret)) != std::string::npos;)
        text.replace(at, secret.size(), "[redacted]");
    return text;
}

// SmtpSender opens no connection yet: curl connects on the first Send and keeps it.
SmtpSender::SmtpSender(const SmtpConfig& config) : config_(config), curl_(curl_easy_init()) {
    if (!curl_) throw std::runtime_error("curl_easy_init failed");
}

// ~SmtpSender closes the SMTP session (QUIT) with the curl handle.
SmtpSender::~SmtpSender() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

// Send delivers one message to its recipient.
SendOutcome SmtpSender::Send(const EmailMessage& message) {
    SendOutcome out;
    std::string rcpt = BareAddress(message.to);
    if (rcpt.find('@') == std::string::npos || HasHeaderInjection(message.to)) {
        out.permanent = true;
        out.error = "recipient is not an e-mail address: " + message.to.substr(0, 64);
        return out;
    }
    std::string text;
    try {
        text = BuildEmail(message, std::time(nullptr));
    } catch (const std::invalid_argument& e) {
        out.permanent = true;
        out.error = e.what();
        return out;
    }
    CURL* c = static_cast<CURL*>(curl_);
    curl_easy_reset(c);
    char errbuf[CURL_ERROR_SIZE] = {0};
    UploadState upload{&text};
    std::string from = "<" + BareAddress(config_.from) + ">";
    std::string to = "<" + rcpt + ">";
    curl_slist* rcpts = curl_slist_append(nullptr, to.c_str());
    curl_easy_setopt(c, CURLOPT_URL, config_.url.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadMessage);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(config_.connect_timeout_s));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(config_.timeout_s));
    if (config_.tls != "off" && config_.url.rfind("smtps://", 0) != 0)
        curl_easy_setopt(c, CURLOPT_USE_SSL,
                         config_.tls == "require" ? static_cast<long>(CURLUSESSL_ALL)
                                                  : static_cast<long>(CURLUSESSL_TRY));
    if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
    if (!config_.username.empty()) {
        curl_easy_setopt(c, CURLOPT_USERNAME, config_.username.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, config_.password.c_str());
    }
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(rcpts);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    if (rc == CURLE_OK) {
        out.ok = true;
        return out;
    }
    out.error = ScrubSecret("smtp: " + CurlFailure(rc, errbuf, out.status), config_.password);
    out.permanent = out.status >= 500 && out.status < 600 && rc != CURLE_LOGIN_DENIED;
    return out;
}

// WebhookSender decodes the endpoint's signing key once.
WebhookSender::WebhookSender(const WebhookEndpoint& endpoint)
    : endpoint_(endpoint), key_(WebhookKey(endpoint.secret)), curl_(curl_easy_init()) {
    if (!curl_) throw std::runtime_error("curl_easy_init failed");
}

// ~WebhookSender closes the kept-alive HTTP connection with the curl handle.
WebhookSender::~WebhookSender() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

// Send posts body with webhook-id = id, webhook-timestamp = now, and its signature.
SendOutcome WebhookSender::Send(const std::string& id, const std::string& body) {
    SendOutcome out;
    long long ts = static_cast<long long>(std::time(nullptr));
    std::vector<std::string> headers = {
        "content-type: application/json",
        "webhook-id: " + id,
        "webhook-timestamp: " + std::to_string(ts),
        "webhook-signature: " + SignWebhook(key_, id, ts, body),
        "user-agent: nightjar",
        "expect:",
    };
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    CURL* c = static_cast<CURL*>(curl_);
    curl_easy_reset(c);
    char errbuf[CURL_ERROR_SIZE] = {0};
    std::string response;
    curl_easy_setopt(c, CURLOPT_URL, endpoint_.url.c_str());
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, KeepBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(endpoint_.connect_timeout_s));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(endpoint_.timeout_s));
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(list);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    if (rc != CURLE_OK) {
        out.error = "webhook " + endpoint_.name + ": " + CurlFailure(rc, errbuf, out.status);
        return out;
    }
    if (out.status >= 200 && out.status < 300) {
        out.ok = true;
        return out;
    }
    out.error = "webhook " + endpoint_.name + ": HTTP " + std::to_string(out.status);
    if (!response.empty()) out.error += ": " + response.substr(0, 200);
    out.error = ScrubSecret(out.error, endpoint_.secret);
    out.disable_endpoint = out.status == 410;
    out.permanent = out.status == 410;
    return out;
}

}  // namespace nightjar::runner

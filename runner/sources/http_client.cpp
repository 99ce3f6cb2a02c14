// http_client.cpp wraps libcurl's easy interface. Each request gets its own handle (the
// runner makes few, large requests; connection reuse is not worth shared state). The
// retry loop sleeps base * 2^attempt capped at max, times a uniform random factor (full
// jitter), so several runners hitting one provider do not retry in lockstep; a 429/503
// with Retry-After waits what the provider asked (capped at max).
#include "runner/sources/http_client.hpp"

#include <curl/curl.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace nightjar::runner {
namespace {

// WriteToString is the libcurl write callback appending to a std::string.
size_t WriteToString(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

// WriteToFile is the libcurl write callback appending to a FILE*.
size_t WriteToFile(char* data, size_t size, size_t n, void* user) {
    return std::fwrite(data, size, n, static_cast<FILE*>(user)) * size;
}

}  // namespace

// Perform runs one request.
HttpResponse Perform(const HttpRequest& r) {
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    HttpResponse out;
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), &curl_easy_cleanup);
    curl_slist* headers = nullptr;
    for (const auto& hd : r.headers) headers = curl_slist_append(headers, hd.c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> hguard(headers,
                                                                       &curl_slist_free_all);
    std::unique_ptr<FILE, decltype(&std::fclose)> file(nullptr, &std::fclose);
    curl_easy_setopt(h.get(), CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(h.get(), CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.method == "HEAD") curl_easy_setopt(h.get(), CURLOPT_NOBODY, 1L);
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
        curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, r.body.c_str());
        curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
    }
    if (headers) curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers);
    if (!r.aws_sigv4.empty()) {
        curl_easy_setopt(h.get(), CURLOPT_AWS_SIGV4, r.aws_sigv4.c_str());
        curl_easy_setopt(h.get(), CURLOPT_USERPWD, r.userpwd.c_str());
        // An S3 key is opaque: "a/../b" names an object, it must not be normalised to "b".
        curl_easy_setopt(h.get(), CURLOPT_PATH_AS_IS, 1L);
    }
    curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT, static_cast<long>(r.connect_timeout_s));
    curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, static_cast<long>(r.timeout_s));
    curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
    std::string body;
    if (!r.dest_file.empty()) {
        file.reset(std::fopen(r.dest_file.c_str(), "wb"));
        if (!file) {
            out.error = "cannot write " + r.dest_file;
            return out;
        }
        curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, WriteToFile);
        curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, file.get());
    } else {
        curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, WriteToString);
        curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &out.body);
    }
    CURLcode rc = curl_easy_perform(h.get());
    if (rc != CURLE_OK) {
        out.error = curl_easy_strerror(rc);
        out.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
        return out;
    }
    curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &out.status);
    curl_off_t retry_after = 0;
    if (curl_easy_getinfo(h.get(), CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK)
        out.retry_after_s = static_cast<long>(retry_after);
    if (file && std::fflush(file.get()) != 0) out.error = "write error on " + r.dest_file;
    if (!r.dest_file.empty() && out.status >= 400) {
        // Keep the error body for the message: read back what was written (small).
        file.reset();
        if (FILE* f = std::fopen(r.dest_file.c_str(), "rb")) {
            char buf[512];
            size_t n = std::fread(buf, 1, sizeof buf, f);
            out.body.assign(buf, n);
            std::fclose(f);
        }
    }
    return out;
}

// PerformWithRetry retries transport errors, timeouts, 429 and 5xx.
HttpResponse PerformWithRetry(const HttpRequest& request, const RetryPolicy& policy) {
    thread_local std::mt19937 rng{std::random_device{}()};
    HttpResponse resp;
    for (int attempt = 0; attempt < policy.attempts; ++attempt) {
        resp = Perform(request);
        bool retryable = resp.status == 0 || resp.status == 429 || resp.status >= 500;
        if (!retryable || attempt + 1 == policy.attempts) break;
        double cap =
            std::min<double>(policy.max_delay_ms, policy.base_delay_ms * std::pow(2.0, attempt));
        std::uniform_real_distribution<double> jitter(0.0, cap);
        double delay_ms = jitter(rng);
        // The provider said when to come back: asking earlier would only be refused again.
        if ((resp.status == 429 || resp.status == 503) && resp.retry_after_s > 0)
            delay_ms = std::min<double>(policy.max_delay_ms, resp.retry_after_s * 1000.0);
        std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(delay_ms)));
    }
    return resp;
}

// UrlEncode percent-encodes everything but unreserved characters.
std::string UrlEncode(const std::string& s, bool keep_slash) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
            (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace nightjar::runner

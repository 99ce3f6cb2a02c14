// http_client.hpp: one libcurl request, and the retry policy around it.
#pragma once

#include <string>
#include <vector>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// HttpRequest is one HTTP exchange; the body goes to dest_file when set, else to memory.
struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;
    std::string body;
    std::string dest_file;
    std::string aws_sigv4;  // e.g. "aws:amz:us-east-1:s3"
    std::string userpwd;    // key:secret for SigV4
    int connect_timeout_s = 10;
    int timeout_s = 300;
};

// HttpResponse is the outcome: status 0 means a transport error (see error, timed_out).
struct HttpResponse {
    long status = 0;
    std::string body;
    std::string error;
    bool timed_out = false;
    long retry_after_s = 0;  // the Retry-After header in seconds (0 = none)
};

// Perform runs one request.
HttpResponse Perform(const HttpRequest& request);

// PerformWithRetry retries transport errors, timeouts, 429 and 5xx with exponential
// backoff and full jitter, up to policy.attempts tries; a 429 or 503 carrying
// Retry-After waits that long instead (capped at policy.max_delay_ms).
HttpResponse PerformWithRetry(const HttpRequest& request, const RetryPolicy& policy);

// UrlEncode percent-encodes everything but unreserved characters (and '/' if keep_slash).
std::string UrlEncode(const std::string& s, bool keep_slash);

}  // namespace nightjar::runner

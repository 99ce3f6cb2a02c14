// source_requests.cpp: request building and listing checks shared by the sources (see
// source_requests.hpp).
#include "runner/sources/source_requests.hpp"

#include "runner/model/errors.hpp"
#include "runner/util/glob.hpp"

namespace nightjar::runner {

// BearerRequest prepares a request with the source's timeouts and an optional bearer token.
HttpRequest BearerRequest(const SourceConfig& c, const std::string& method, const std::string& url,
                          const std::string& token) {
    HttpRequest r;
    r.method = method;
    r.url = url;
    if (!token.empty()) r.headers.push_back("Authorization: Bearer " + token);
    r.connect_timeout_s = c.connect_timeout_s;
    r.timeout_s = c.timeout_s;
    return r;
}

// AbsoluteLink resolves a next-page link against the origin of `base`.
std::string AbsoluteLink(const std::string& base, const std::string& link) {
    if (link.rfind("http://", 0) == 0 || link.rfind("https://", 0) == 0) return link;
    auto scheme = base.find("://");
    auto path = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return base.substr(0, path) + (link.empty() || link[0] != '/' ? "/" : "") + link;
}

// S3Request prepares a SigV4-signed request for the source's store.
HttpRequest S3Request(const SourceConfig& c, const std::string& method, const std::string& url) {
    HttpRequest r;
    r.method = method;
    r.url = url;
    r.aws_sigv4 = "aws:amz:" + c.s3.region + ":s3";
    r.userpwd = c.s3.access_key_id + ":" + c.s3.secret_access_key;
    // libcurl 7.88 does not send the payload hash header that S3 (and s3rver) require.
    r.headers.push_back("x-amz-content-sha256: UNSIGNED-PAYLOAD");
    r.connect_timeout_s = c.connect_timeout_s;
    r.timeout_s = c.timeout_s;
    return r;
}

// S3BucketUrl is the path-style URL of the source's bucket.
std::string S3BucketUrl(const SourceConfig& c) {
    std::string base = c.s3.endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/" + c.s3.bucket;
}

// CheckListingPage throws a CriticalError unless a listing page came back 200.
void CheckListingPage(const SourceConfig& c, const HttpResponse& resp, const std::string& refuser) {
    if (resp.status == 401 || resp.status == 403)
        throw CriticalError(kExitAuth, "source " + c.name + ": authentication refused by " +
                                           refuser + " (HTTP " + std::to_string(resp.status) + ")");
    if (resp.status != 200)
        throw CriticalError(kExitSource,
                            "source " + c.name + ": listing failed: " +
                                (resp.status ? "HTTP " + std::to_string(resp.status) : resp.error));
}

// ScalarText returns a JSON scalar (string or integer) as text, "" otherwise.
std::string ScalarText(simdjson::dom::element e) {
    if (e.is_string()) return std::string(std::string_view(e.get_string().value()));
    if (e.is_int64()) return std::to_string(int64_t(e.get_int64().value()));
    if (e.is_uint64()) return std::to_string(uint64_t(e.get_uint64().value()));
    return "";
}

// ReadListedItem reads one item of a JSON listing page; false if it has no id.
bool ReadListedItem(const SourceConfig& config, simdjson::dom::element item, Candidate& c,
                    bool& has_bookmark) {
    simdjson::dom::element v;
    if (item[config.http.id_field].get(v) || (c.key = ScalarText(v)).empty()) return false;
    c.name = (!item[config.http.name_field].get(v) && !ScalarText(v).empty()) ? ScalarText(v)
                                                                              : c.key + ".json";
    c.rel_path = c.name;
    has_bookmark = !config.http.bookmark_field.empty() && !item[config.http.bookmark_field].get(v);
    if (has_bookmark) c.extra = ScalarText(v);
    if (!item["size"].get(v) && v.is_int64())
        c.size = static_cast<std::uint64_t>(int64_t(v.get_int64().value()));
    return true;
}

// MatchesPatterns says whether `name` matches one of the source's patterns.
bool MatchesPatterns(const SourceConfig& config, const std::string& name) {
    for (const auto& p : config.patterns)
        if (GlobMatch(p, name)) return true;
    return false;
}

}  // namespace nightjar::runner

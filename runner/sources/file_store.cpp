// file_store.cpp: post-staging file operations shared by `nightjar archive`, `nightjar
// scrub` and `nightjar orphans`. Moving reuses the source's own Archive (so names and
// folders are those of a run with archive = "move"); deleting and listing S3 objects use
// the same path-style signed requests as s3_source.cpp. Each call is one request (or one
// rename/unlink): no state, no batching; a listing is held in memory whole.
#include "runner/sources/file_store.hpp"

#include <filesystem>
#include <pugixml.hpp>

#include "runner/model/candidate.hpp"
#include "runner/model/errors.hpp"
#include "runner/sources/http_client.hpp"
#include "runner/sources/source.hpp"
#include "runner/sources/source_requests.hpp"

namespace nightjar::runner {
namespace fs = std::filesystem;
namespace {

// KeyOf turns an s3://bucket/key location into its key (a bare key stays as it is).
std::string KeyOf(const SourceConfig& c, const std::string& location) {
    std::string scheme = "s3://" + c.s3.bucket + "/";
    if (location.rfind(scheme, 0) == 0) return location.substr(scheme.size());
    if (location.rfind("s3://", 0) == 0)
        throw FileError(location + ": not in bucket " + c.s3.bucket + " of source " + c.name);
    return location;
}

}  // namespace

// ArchiveInPlace builds the source with archive = "move" and lets it archive the file.
std::string ArchiveInPlace(const SourceConfig& source, const std::string& location,
                           const std::string& name, bool success, const std::string& date) {
    SourceConfig moving = source;
    moving.archive = "move";
    auto src = MakeSource(moving, "");
    Candidate c;
    c.key = location;
    c.name = name;
    c.rel_path = location;
    return src->Archive(c, success, date);
}

// DeleteStored removes one copy from a folder or a bucket.
std::string DeleteStored(const SourceConfig& source, const std::string& location) {
    if (source.kind == "dir") {
        fs::path p(location);
        if (p.is_relative()) p = fs::path(source.location) / p;
        std::error_code ec;
        if (!fs::exists(p, ec)) return "absent";
        if (!fs::remove(p, ec) || ec)
            throw FileError("cannot delete " + p.string() + ": " + ec.message());
        return "deleted";
    }
    if (source.kind != "s3") return "not_deletable";
    std::string key = KeyOf(source, location);
    std::string url = S3BucketUrl(source) + "/" + UrlEncode(key, true);
    HttpResponse head = PerformWithRetry(S3Request(source, "HEAD", url), source.retry);
    if (head.status == 404) return "absent";
    HttpResponse del = PerformWithRetry(S3Request(source, "DELETE", url), source.retry);
    if (del.status != 204 && del.status != 200)
        throw FileError(key + ": delete failed: " +
                        (del.status ? "HTTP " + std::to_string(del.status) : del.error));
    return "deleted";
}

// ListS3Prefix pages through ListObjectsV2 under the source's prefix.
std::vector<StoredObject> ListS3Prefix(const SourceConfig& source) {
    if (source.kind != "s3")
        throw ConfigError("source " + source.name + " is not an s3 source (kind " + source.kind +
                          ")");
    std::vector<StoredObject> out;
    std::string token;
    do {
        std::string url = S3BucketUrl(source) +
                          "?list-type=2&prefix=" + UrlEncode(source.s3.prefix, false) +
                          (token.empty() ? "" : "&continuation-token=" + UrlEncode(token, false));
        HttpResponse resp = PerformWithRetry(S3Request(source, "GET", url), source.retry);
        if (resp.status != 200)
            throw CriticalError(
                resp.status == 401 || resp.status == 403 ? kExitAuth : kExitSource,
                "source " + source.name + ": listing failed: " +
                    (resp.status ? "HTTP " + std::to_string(resp.status) : resp.error));
        pugi::xml_document doc;
        auto root =
            doc.load_string(resp.body.c_str()) ? doc.child("ListBucketResult") : pugi::xml_node();
        if (!root)
            throw CriticalError(kExitSource, "source " + source.name + ": listing is malformed");
        for (auto c : root.children("Contents")) {
            std::string key = c.child_value("Key");
            if (key.empty() || key.back() == '/') continue;
            out.push_back({key, c.child_value("LastModified")});
        }
        token = std::string(root.child_value("IsTruncated")) == "true"
                    ? root.child_value("NextContinuationToken")
                    : "";
    } while (!token.empty());
    return out;
}

}  // namespace nightjar::runner

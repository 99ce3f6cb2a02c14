// s3_source.cpp: an S3-compatible bucket through libcurl's SigV4 signer, path-style URLs
// (endpoint/bucket/key) so that local stores such as s3rver work without DNS tricks.
// Listing is ListObjectsV2 with continuation tokens (pugixml parses the pages); keys
// under <prefix>success/ and <prefix>failure/ are the archive and are never listed.
// Archiving is CopyObject then DeleteObject (S3 has no rename). Keys are never used as
// local paths: the spool name comes from SpoolName().
#include <pugixml.hpp>

#include "runner/model/errors.hpp"
#include "runner/sources/http_client.hpp"
#include "runner/sources/source.hpp"
#include "runner/sources/source_requests.hpp"
#include "runner/util/glob.hpp"

namespace nightjar::runner {
namespace {

// CopySourceEncode percent-encodes a key for x-amz-copy-source: only what cannot appear
// in a header or would be misread (space, %, ?, #, +, controls, non-ASCII). Sub-delimiters
// (; & $ ( ) ...) stay literal: S3 accepts them, and s3rver decodes the header with
// decodeURI, which would leave %3B and friends encoded and miss the object.
std::string CopySourceEncode(const std::string& key) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : key) {
        if (c <= 0x20 || c >= 0x7f || c == '%' || c == '?' || c == '#' || c == '+') {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// S3Source lists, fetches and archives objects of one bucket prefix.
class S3Source : public Source {
  public:
    explicit S3Source(const SourceConfig& c) : config_(c) { base_ = S3BucketUrl(c); }

    // List pages through ListObjectsV2.
    std::vector<Candidate> List() override {
        std::vector<Candidate> out;
        std::string token;
        const std::string& prefix = config_.s3.prefix;
        do {
            HttpRequest r = Request(
                "GET", base_ + "?list-type=2&prefix=" + UrlEncode(prefix, false) +
                           (token.empty() ? "" : "&continuation-token=" + UrlEncode(token, false)));
            HttpResponse resp = PerformWithRetry(r, config_.retry);
            CheckListingPage(config_, resp, config_.s3.endpoint);
            pugi::xml_document doc;
            if (!doc.load_string(resp.body.c_str()))
                throw CriticalError(kExitSource,
                                    "source " + config_.name + ": listing is malformed XML");
            auto root = doc.child("ListBucketResult");
            if (!root)
                throw CriticalError(kExitSource,
                                    "source " + config_.name + ": listing has no ListBucketResult");
            for (auto c : root.children("Contents")) {
                std::string key = c.child_value("Key");
                if (key.size() <= prefix.size() || key.back() == '/') continue;
                std::string rel = key.substr(prefix.size());
                if (rel.rfind("success/", 0) == 0 || rel.rfind("failure/", 0) == 0) continue;
                bool match = false;
                for (const auto& p : config_.patterns) match = match || GlobMatch(p, rel);
                if (!match) continue;
                Candidate cand;
                cand.key = key;
                auto slash = rel.find_last_of('/');
                cand.name = slash == std::string::npos ? rel : rel.substr(slash + 1);
                cand.size = std::stoull(std::string("0") + c.child_value("Size"));
                cand.rel_path = rel;
                out.push_back(std::move(cand));
            }
            token = std::string(root.child_value("IsTruncated")) == "true"
                        ? root.child_value("NextContinuationToken")
                        : "";
        } while (!token.empty());
        return out;
    }

    // Fetch downloads one object with retries.
    void Fetch(const Candidate& f, const std::string& dest) override {
        HttpRequest r = Request("GET", ObjectUrl(f.key));
        r.dest_file = dest;
        HttpResponse resp = PerformWithRetry(r, config_.retry);
        if (resp.status == 401 || resp.status == 403)
            throw CriticalError(
                kExitAuth, "source " + config_.name + ": authentication refused fetching " + f.key);
        if (resp.status != 200)
            throw FileError(f.key + ": download failed: " +
                            (resp.status ? "HTTP " + std::to_string(resp.status) : resp.error));
    }

    // Archive copies the object under success/ or failure/ and deletes the original.
    std::string Archive(const Candidate& f, bool success, const std::string& date) override {
        if (config_.archive == "keep") return "";
        const std::string& prefix = config_.s3.prefix;
        std::string rel = f.key.substr(prefix.size());
        auto slash = rel.find_last_of('/');
        std::string dir = slash == std::string::npos ? "" : rel.substr(0, slash + 1);
        std::string dest =
            prefix + (success ? "success/" : "failure/") + dir + ArchivedName(f.name, date);
        HttpRequest copy = Request("PUT", ObjectUrl(dest));
        copy.headers.push_back("x-amz-copy-source: /" + config_.s3.bucket + "/" +
                               CopySourceEncode(f.key));
        HttpResponse resp = PerformWithRetry(copy, config_.retry);
        if (resp.status != 200)
            throw FileError(f.key + ": archive copy failed: HTTP " + std::to_string(resp.status) +
                            " " + resp.error);
        HttpResponse del = PerformWithRetry(Request("DELETE", ObjectUrl(f.key)), config_.retry);
        if (del.status != 204 && del.status != 200)
            throw FileError(f.key + ": archive delete failed: HTTP " + std::to_string(del.status));
        return "s3://" + config_.s3.bucket + "/" + dest;
    }

  private:
    // Request prepares a signed request.
    HttpRequest Request(const std::string& method, const std::string& url) const {
        return S3Request(config_, method, url);
    }

    // ObjectUrl is the path-style URL of a key.
    std::string ObjectUrl(const std::string& key) const {
        return base_ + "/" + UrlEncode(key, true);
    }

    const SourceConfig& config_;
    std::string base_;
};

}  // namespace

std::unique_ptr<Source> MakeS3Source(const SourceConfig& c) {
    return std::make_unique<S3Source>(c);
}

}  // namespace nightjar::runner

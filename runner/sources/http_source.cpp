// http_source.cpp: a JSON web service. Authentication is a bearer token (from the
// environment or a file) or a login call returning {"token": ...}. Listing follows the
// `next` link of each page; each item is then fetched on its own. Failures are kept in
// the provider's classes: login failed (critical, exit 10), listing failed or malformed
// (critical, exit 13), item failed (that file fails, the batch goes on: partial success
// naming each failed item). The bookmark is the largest `bookmark_field` value among the
// staged items, stored as {"since": value} and sent as ?<bookmark_param>=value.
#include <simdjson.h>

#include "runner/model/errors.hpp"
#include "runner/sources/http_client.hpp"
#include "runner/sources/source.hpp"
#include "runner/sources/source_requests.hpp"
#include "runner/util/json_text.hpp"

namespace nightjar::runner {
namespace {

// HttpSource lists and fetches items of a JSON web service.
class HttpSource : public Source {
  public:
    HttpSource(const SourceConfig& c, const std::string& bookmark) : config_(c) {
        if (!bookmark.empty()) {
            simdjson::dom::parser p;
            simdjson::dom::element doc;
            if (!p.parse(bookmark).get(doc) && doc.is_object()) {
                simdjson::dom::element v;
                if (!doc["since"].get(v)) since_ = ScalarText(v);
            }
        }
    }

    // List logs in when configured, then pages through the listing.
    std::vector<Candidate> List() override {
        Login();
        std::vector<Candidate> out;
        std::string url = config_.http.list_url;
        if (!since_.empty() && !config_.http.bookmark_param.empty())
            url += (url.find('?') == std::string::npos ? "?" : "&") + config_.http.bookmark_param +
                   "=" + UrlEncode(since_, false);
        int pages = 0;
        while (!url.empty()) {
            if (++pages > 100000)
                throw CriticalError(kExitSource,
                                    "source " + config_.name + ": listing does not end");
            HttpResponse resp = PerformWithRetry(Request("GET", url), config_.retry);
            CheckListingPage(config_, resp, "the listing");
            simdjson::dom::parser parser;
            simdjson::dom::element doc, items;
            if (parser.parse(resp.body).get(doc) || doc[config_.http.items_field].get(items) ||
                !items.is_array())
                throw CriticalError(kExitSource, "source " + config_.name +
                                                     ": listing malformed: no array '" +
                                                     config_.http.items_field + "' in " + url);
            for (auto item : items.get_array()) {
                Candidate c;
                bool has_bookmark = false;
                if (!ReadListedItem(config_, item, c, has_bookmark))
                    throw CriticalError(kExitSource, "source " + config_.name +
                                                         ": listing malformed: an item has no '" +
                                                         config_.http.id_field + "'");
                if (MatchesPatterns(config_, c.name)) out.push_back(std::move(c));
            }
            simdjson::dom::element next;
            url.clear();
            if (!config_.http.next_field.empty() && !doc[config_.http.next_field].get(next) &&
                next.is_string())
                url = AbsoluteLink(config_.http.list_url,
                                   std::string(std::string_view(next.get_string().value())));
        }
        return out;
    }

    // Fetch downloads one item into the spool.
    void Fetch(const Candidate& f, const std::string& dest) override {
        std::string url = config_.http.item_url;
        auto pos = url.find("{id}");
        if (pos != std::string::npos) url.replace(pos, 4, UrlEncode(f.key, false));
        HttpRequest r = Request("GET", url);
        r.dest_file = dest;
        HttpResponse resp = PerformWithRetry(r, config_.retry);
        if (resp.status == 401)
            throw CriticalError(kExitAuth, "source " + config_.name +
                                               ": authentication refused fetching item " + f.key);
        if (resp.status != 200)
            throw FileError("item " + f.key + " failed: " +
                            (resp.status ? "HTTP " + std::to_string(resp.status) : resp.error));
    }

    // Archive is a no-op: a web service has nowhere to move items to.
    std::string Archive(const Candidate&, bool, const std::string&) override { return ""; }

    // Bookmark returns {"since": max bookmark value} over the staged items.
    std::string Bookmark(const std::vector<Candidate>& staged) override {
        std::string best = since_;
        for (const auto& c : staged)
            if (c.extra > best) best = c.extra;
        if (best.empty() || best == since_) return "";
        return "{\"since\":" + JsonString(best) + "}";
    }

  private:
    // Login obtains a token from login_url when configured.
    void Login() {
        if (config_.http.login_url.empty()) return;
        HttpRequest r = Request("POST", config_.http.login_url);
        r.headers = {"Content-Type: application/json"};
        r.body = "{\"username\":" + JsonString(config_.http.username) +
                 ",\"password\":" + JsonString(config_.http.password) + "}";
        HttpResponse resp = PerformWithRetry(r, config_.retry);
        simdjson::dom::parser parser;
        simdjson::dom::element doc, tok;
        if (resp.status != 200 || parser.parse(resp.body).get(doc) || doc["token"].get(tok) ||
            !tok.is_string())
            throw CriticalError(kExitAuth,
                                "source " + config_.name + ": login failed" +
                                    (resp.status ? " (HTTP " + std::to_string(resp.status) + ")"
                                                 : ": " + resp.error));
        token_ = std::string(std::string_view(tok.get_string().value()));
    }

    // Request prepares a request with the login token (or the configured one).
    HttpRequest Request(const std::string& method, const std::string& url) const {
        return BearerRequest(config_, method, url, token_.empty() ? config_.http.token : token_);
    }

    const SourceConfig& config_;
    std::string since_;
    std::string token_;
};

}  // namespace

std::unique_ptr<Source> MakeHttpSource(const SourceConfig& c, const std::string& bookmark) {
    return std::make_unique<HttpSource>(c, bookmark);
}

}  // namespace nightjar::runner

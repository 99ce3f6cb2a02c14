// entity_http_source.cpp: an HTTP source listed once per entity (issue 14): the rows of
// entities_query (e.g. the monitored structures) fill {column} placeholders of login_url,
// list_url and item_url. Per entity: log in (when login_url is set; the body names the
// entity in login_entity_field), list the items after that entity's bookmark (following
// `next` links), and remember which entity each item belongs to (its token, its item URL).
// A failing entity is kept with its class (login failed, listing failed, listing
// malformed) in ListingFailures and the next one is listed: one entity never blocks the
// others. Only when every entity fails does the run stop (critical: exit 10 when every
// login failed, else 13). The bookmark is {"entities": {"<entity>": "<largest value>"}},
// each entity's since sent as ?<bookmark_param>=. Memory: the listing and one token per
// entity; one login and one listing request (plus pages) per entity.
#include <simdjson.h>

#include <pqxx/pqxx>

#include "runner/model/errors.hpp"
#include "runner/sources/entity_listing.hpp"
#include "runner/sources/http_client.hpp"
#include "runner/sources/source.hpp"
#include "runner/sources/source_requests.hpp"
#include "runner/util/json_text.hpp"

namespace nightjar::runner {
namespace {

// ListingProblem fails one entity's listing with its class.
struct ListingProblem {
    std::string error;
};

// EntityHttpSource lists and fetches the items of every entity of a JSON web service.
class EntityHttpSource : public Source {
  public:
    EntityHttpSource(const SourceConfig& c, const std::string& bookmark)
        : config_(c), since_(ParseEntityBookmark(bookmark)) {}

    // Prepare runs entities_query in a read-only transaction; the first column names the entity.
    void Prepare(pqxx::connection& conn) override {
        pqxx::read_transaction tx(conn);
        pqxx::result r;
        try {
            r = tx.exec(config_.http.entities_query);
        } catch (const pqxx::sql_error& e) {
            throw ConfigError("source " + config_.name + ": entities_query failed: " + e.what());
        }
        if (r.columns() < 1)
            throw ConfigError("source " + config_.name + ": entities_query returns no column");
        for (const auto& row : r) {
            if (row[0].is_null()) continue;
            EntityRow e;
            for (pqxx::row::size_type i = 0; i < r.columns(); ++i)
                e[r.column_name(i)] = row[i].is_null() ? "" : row[i].c_str();
            e["entity"] = row[0].c_str();
            entities_.push_back(std::move(e));
        }
        prepared_ = true;
    }

    // List lists every entity; a failed entity is recorded and skipped.
    std::vector<Candidate> List() override {
        if (!prepared_)
            throw CriticalError(kExitSource, "source " + config_.name +
                                                 ": entities_query was not run (no catalog)");
        failures_.clear();
        std::vector<Candidate> out;
        int login_failures = 0;
        for (const auto& e : entities_) {
            const std::string& id = e.at("entity");
            try {
                if (!config_.http.login_url.empty()) {
                    try {
                        tokens_[id] = Login(e);
                    } catch (const ListingProblem&) {
                        ++login_failures;
                        throw;
                    }
                }
                ListEntity(e, out);
            } catch (const ListingProblem& p) {
                failures_.push_back({id, p.error});
            }
        }
        if (!entities_.empty() && failures_.size() == entities_.size())
            throw CriticalError(
                login_failures == static_cast<int>(entities_.size()) ? kExitAuth : kExitSource,
                "source " + config_.name + ": every entity failed (" +
                    std::to_string(entities_.size()) + "), first " + failures_[0].entity + ": " +
                    failures_[0].error);
        return out;
    }

    // ListingFailures returns the entities the last listing skipped.
    std::vector<ListingFailure> ListingFailures() const override { return failures_; }

    // Fetch downloads one item with its entity's token and item URL.
    void Fetch(const Candidate& f, const std::string& dest) override {
        auto it = entity_of_.find(f.key);
        if (it == entity_of_.end()) throw FileError("item " + f.key + ": not listed by this run");
        const EntityRow& e = entities_[it->second];
        HttpRequest r = Request("GET", FillTemplate(config_.http.item_url, e, &item_id_[f.key]),
                                e.at("entity"));
        r.dest_file = dest;
        HttpResponse resp = PerformWithRetry(r, config_.retry);
        if (resp.status != 200)
            throw FileError("entity " + e.at("entity") + ": item " + item_id_[f.key] + " failed: " +
                            (resp.status ? "HTTP " + std::to_string(resp.status) : resp.error));
    }

    // Archive is a no-op: a web service has nowhere to move items to.
    std::string Archive(const Candidate&, bool, const std::string&) override { return ""; }

    // Bookmark advances each entity's since to its largest staged value.
    std::string Bookmark(const std::vector<Candidate>& staged) override {
        auto next = since_;
        for (const auto& c : staged) {
            std::string entity, value;
            if (!SplitEntityExtra(c.extra, entity, value) || value.empty()) continue;
            if (value > next[entity]) next[entity] = value;
        }
        return next == since_ ? "" : EntityBookmarkJson(next);
    }

  private:
    // Login posts the credentials (and the entity) and returns the token.
    std::string Login(const EntityRow& e) {
        HttpRequest r = Request("POST", FillTemplate(config_.http.login_url, e, nullptr), "");
        r.headers = {"Content-Type: application/json"};
        r.body = "{\"username\":" + JsonString(config_.http.username) +
                 ",\"password\":" + JsonString(config_.http.password);
        if (!config_.http.login_entity_field.empty())
            r.body += "," + JsonString(config_.http.login_entity_field) + ":" +
                      JsonString(e.at("entity"));
        r.body += "}";
        HttpResponse resp = PerformWithRetry(r, config_.retry);
        simdjson::dom::parser parser;
        simdjson::dom::element doc, tok;
        if (resp.status != 200 || parser.parse(resp.body).get(doc) || doc["token"].get(tok) ||
            !tok.is_string())
            throw ListingProblem{
                "login failed" +
                (resp.status ? " (HTTP " + std::to_string(resp.status) + ")" : ": " + resp.error)};
        return std::string(std::string_view(tok.get_string().value()));
    }

    // ListEntity pages through one entity's listing after its bookmark.
    void ListEntity(const EntityRow& e, std::vector<Candidate>& out) {
        const std::string& id = e.at("entity");
        std::string url = FillTemplate(config_.http.list_url, e, nullptr);
        auto since = since_.find(id);
        if (since != since_.end() && !config_.http.bookmark_param.empty())
            url += (url.find('?') == std::string::npos ? "?" : "&") + config_.http.bookmark_param +
                   "=" + UrlEncode(since->second, false);
        std::vector<Candidate> mine;
        for (int pages = 0; !url.empty();) {
            if (++pages > 10000) throw ListingProblem{"listing malformed: it does not end"};
            HttpResponse resp = PerformWithRetry(Request("GET", url, id), config_.retry);
            if (resp.status != 200)
                throw ListingProblem{
                    "listing failed: " +
                    (resp.status ? "HTTP " + std::to_string(resp.status) : resp.error)};
            simdjson::dom::parser parser;
            simdjson::dom::element doc, items, next;
            if (parser.parse(resp.body).get(doc))
                throw ListingProblem{"listing malformed: not JSON"};
            if (doc[config_.http.items_field].get(items) || !items.is_array())
                throw ListingProblem{"listing malformed: no array '" + config_.http.items_field +
                                     "'"};
            for (auto item : items.get_array()) {
                Candidate c;
                bool has_bookmark = false;
                if (!ReadListedItem(config_, item, c, has_bookmark))
                    throw ListingProblem{"listing malformed: an item has no '" +
                                         config_.http.id_field + "'"};
                if (!MatchesPatterns(config_, c.name)) continue;
                std::string item_id = c.key;
                c.key = id + "/" + item_id;
                if (has_bookmark) c.extra = EntityExtra(id, c.extra);
                item_id_[c.key] = item_id;
                mine.push_back(std::move(c));
            }
            url.clear();
            if (!config_.http.next_field.empty() && !doc[config_.http.next_field].get(next) &&
                next.is_string())
                url = AbsoluteLink(config_.http.list_url,
                                   std::string(std::string_view(next.get_string().value())));
        }
        // Only a listing read to its end counts: a malformed page drops the entity whole.
        size_t index = static_cast<size_t>(&e - entities_.data());
        for (auto& c : mine) {
            entity_of_[c.key] = index;
            out.push_back(std::move(c));
        }
    }

    // Request prepares a request with the entity's token (or the configured one).
    HttpRequest Request(const std::string& method, const std::string& url,
                        const std::string& entity) const {
        auto it = tokens_.find(entity);
        return BearerRequest(config_, method, url,
                             it != tokens_.end() ? it->second : config_.http.token);
    }

    const SourceConfig& config_;
    std::map<std::string, std::string> since_;
    std::vector<EntityRow> entities_;
    bool prepared_ = false;
    std::map<std::string, std::string> tokens_;   // entity -> token
    std::map<std::string, size_t> entity_of_;     // item key -> index in entities_
    std::map<std::string, std::string> item_id_;  // item key -> provider's item id
    std::vector<ListingFailure> failures_;
};

}  // namespace

std::unique_ptr<Source> MakeEntityHttpSource(const SourceConfig& c, const std::string& bookmark) {
    return std::make_unique<EntityHttpSource>(c, bookmark);
}

}  // namespace nightjar::runner

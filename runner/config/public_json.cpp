// public_json.cpp: a source's settings as the JSON object stored in
// nightjar.source.config. `nightjar apply` compares it with the stored one to report
// "updated" or "unchanged", so every setting that changes behaviour is in it; resolved
// secrets (tokens, passwords, S3 keys) and the names of the variables or files holding
// them are not — a rotated secret is not a configuration edit.
#include <fmt/format.h>

#include <sstream>

#include "runner/config/config.hpp"
#include "runner/util/json_text.hpp"

namespace nightjar::runner {

namespace {

// StringArray writes ["a","b"].
void StringArray(std::ostringstream& j, const std::vector<std::string>& items) {
    j << '[';
    for (size_t i = 0; i < items.size(); ++i) j << (i ? "," : "") << JsonString(items[i]);
    j << ']';
}

// Num writes a number in its shortest round-trip form (1.5, 0.4, 512): an edit in any
// digit shows, and unchanged values keep the text earlier versions stored.
std::string Num(double v) { return fmt::format("{}", v); }

}  // namespace

// PublicJson serialises every non-secret setting of the source.
std::string PublicJson(const SourceConfig& s) {
    std::ostringstream j;
    j << "{\"kind\":" << JsonString(s.kind) << ",\"location\":" << JsonString(s.location)
      << ",\"format\":" << JsonString(s.format) << ",\"pattern\":";
    StringArray(j, s.patterns);
    j << ",\"batch_size\":" << s.batch_size << ",\"max_batch_mb\":" << Num(s.max_batch_mb)
      << ",\"max_files\":" << s.max_files << ",\"min_confidence\":" << Num(s.min_confidence)
      << ",\"header_weight\":" << Num(s.header_weight) << ",\"archive\":" << JsonString(s.archive)
      << ",\"rules\":[";
    for (size_t i = 0; i < s.rules.size(); ++i)
        j << (i ? "," : "") << "{\"keyword\":" << JsonString(s.rules[i].keyword)
          << ",\"regex\":" << JsonString(s.rules[i].regex)
          << ",\"weight\":" << Num(s.rules[i].weight) << "}";
    j << "],\"expected_headers\":";
    StringArray(j, s.expected_headers);
    j << ",\"format_options\":{";
    bool first = true;
    for (const auto& [k, v] : s.format_options) {  // std::map: stable key order
        j << (first ? "" : ",") << JsonString(k) << ':' << JsonString(v);
        first = false;
    }
    j << "},\"retry\":{\"attempts\":" << s.retry.attempts
      << ",\"base_delay_ms\":" << s.retry.base_delay_ms
      << ",\"max_delay_ms\":" << s.retry.max_delay_ms
      << "},\"timeouts\":{\"connect_s\":" << s.connect_timeout_s << ",\"total_s\":" << s.timeout_s
      << "}";
    if (s.kind == "s3")
        j << ",\"s3\":{\"endpoint\":" << JsonString(s.s3.endpoint)
          << ",\"bucket\":" << JsonString(s.s3.bucket) << ",\"prefix\":" << JsonString(s.s3.prefix)
          << ",\"region\":" << JsonString(s.s3.region) << "}";
    if (s.kind == "http") {
        const HttpOptions& h = s.http;
        j << ",\"http\":{\"list_url\":" << JsonString(h.list_url)
          << ",\"items_field\":" << JsonString(h.items_field)
          << ",\"next_field\":" << JsonString(h.next_field)
          << ",\"id_field\":" << JsonString(h.id_field)
          << ",\"name_field\":" << JsonString(h.name_field)
          << ",\"item_url\":" << JsonString(h.item_url)
          << ",\"bookmark_field\":" << JsonString(h.bookmark_field)
          << ",\"bookmark_param\":" << JsonString(h.bookmark_param) << ",\"auth\":"
          << JsonString(!h.login_url.empty() ? "login"
                        : !h.token.empty()   ? "token"
                                             : "none")
          << ",\"login_url\":" << JsonString(h.login_url)
          << ",\"username\":" << JsonString(h.username);
        if (!h.entities_query.empty())  // per-entity listing (only then: older configs unchanged)
            j << ",\"entities_query\":" << JsonString(h.entities_query)
              << ",\"login_entity_field\":" << JsonString(h.login_entity_field);
        j << "}";
    }
    j << "}";
    return j.str();
}

}  // namespace nightjar::runner

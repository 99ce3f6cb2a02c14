// source_requests.hpp: the HTTP requests the sources send, built in one place: bearer-token
// requests for http sources, SigV4-signed path-style requests for S3 stores (the s3 source
// and file_store.cpp), the check every listing page gets and the reading of its scalars.
#pragma once

#include <simdjson.h>

#include <string>

#include "runner/config/config.hpp"
#include "runner/model/candidate.hpp"
#include "runner/sources/http_client.hpp"

namespace nightjar::runner {

// BearerRequest prepares a request with the source's timeouts and, when `token` is not
// empty, an "Authorization: Bearer" header.
HttpRequest BearerRequest(const SourceConfig& c, const std::string& method, const std::string& url,
                          const std::string& token);

// AbsoluteLink resolves a next-page link against the origin of `base` (an absolute link
// stays as it is).
std::string AbsoluteLink(const std::string& base, const std::string& link);

// S3Request prepares a SigV4-signed request for the source's store.
HttpRequest S3Request(const SourceConfig& c, const std::string& method, const std::string& url);

// S3BucketUrl is the path-style URL of the source's bucket (endpoint/bucket).
std::string S3BucketUrl(const SourceConfig& c);

// CheckListingPage throws a CriticalError unless a listing page came back 200: exit kExitAuth
// on 401/403 ("authentication refused by <refuser>"), kExitSource otherwise.
void CheckListingPage(const SourceConfig& c, const HttpResponse& resp, const std::string& refuser);

// ScalarText returns a JSON scalar (string or integer) of a listing as text, "" otherwise.
std::string ScalarText(simdjson::dom::element e);

// ReadListedItem reads one item of a JSON listing page into `c`: key = the provider's id,
// name (or "<id>.json"), rel_path = name, size, and extra = the text of the bookmark field
// when the item has one (has_bookmark). Returns false if the item has no id.
bool ReadListedItem(const SourceConfig& config, simdjson::dom::element item, Candidate& c,
                    bool& has_bookmark);

// MatchesPatterns says whether `name` matches one of the source's patterns.
bool MatchesPatterns(const SourceConfig& config, const std::string& name);

}  // namespace nightjar::runner

// source.hpp: what the batch loop needs from a source kind (dir, http, s3): list the
// candidate files, fetch one into the spool, archive one after its batch.
#pragma once

#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "runner/config/config.hpp"
#include "runner/model/candidate.hpp"

namespace nightjar::runner {

// ListingFailure is one entity of a per-entity listing that failed (login, listing), with
// its class and cause: the others were listed, so the run is a partial success.
struct ListingFailure {
    std::string entity;
    std::string
        error;  // "login failed (HTTP 401)", "listing failed: HTTP 500", "listing malformed: ..."
};

// Source is one configured provider of files.
class Source {
  public:
    virtual ~Source() = default;

    // List returns every file matching the source's patterns, with its size and the path
    // relevance rules read (scoring is the batch loop's); throws CriticalError when
    // authentication or the listing fails.
    virtual std::vector<Candidate> List() = 0;

    // LocalPath returns the file's own path when it can be read in place (dir sources).
    virtual std::optional<std::string> LocalPath(const Candidate&) { return std::nullopt; }

    // Fetch downloads the file into dest (a path inside the spool); throws FileError.
    virtual void Fetch(const Candidate& file, const std::string& dest) = 0;

    // Archive moves the file to success/ or failure/ renamed with the date and returns
    // its new location ("" when the source does not archive).
    virtual std::string Archive(const Candidate& file, bool success, const std::string& date) = 0;

    // Prepare reads what the listing needs from the catalog (an http source's entities_query)
    // before List; the default needs nothing.
    virtual void Prepare(pqxx::connection& conn) { (void)conn; }

    // ListingFailures returns the entities the last List could not list (per-entity sources).
    virtual std::vector<ListingFailure> ListingFailures() const { return {}; }

    // Bookmark returns the new bookmark after the staged files (http), or "" (none).
    virtual std::string Bookmark(const std::vector<Candidate>& staged) {
        (void)staged;
        return "";
    }
};

// MakeSource builds the source for a configuration; bookmark is the catalog's stored JSON value.
std::unique_ptr<Source> MakeSource(const SourceConfig& config, const std::string& bookmark);

// ArchivedName inserts the processing date before the extension: a.csv -> a.2026-11-23.csv.
std::string ArchivedName(const std::string& name, const std::string& date);

}  // namespace nightjar::runner

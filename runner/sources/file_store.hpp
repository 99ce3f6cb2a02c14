// file_store.hpp: operations on the files a source keeps after staging (issue 16): move a
// file left in place to success/ or failure/ once the database has judged it, delete a
// stored copy (erasure scrub), list an S3 prefix with modification times (orphan files).
#pragma once

#include <string>
#include <vector>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// StoredObject is one entry of a listing: its path (dir: absolute; s3: key) and mtime.
struct StoredObject {
    std::string path;
    std::string modified;  // ISO 8601, UTC
};

// ArchiveInPlace moves a file left in place (archive = "keep") to success/ or failure/
// renamed with date, as the source's own archiving would, and returns its new location.
std::string ArchiveInPlace(const SourceConfig& source, const std::string& location,
                           const std::string& name, bool success, const std::string& date);

// DeleteStored deletes one stored copy: for dir sources a location relative to the source
// folder (or absolute), for s3 sources a key or s3://bucket/key. Returns "deleted",
// "absent" (nothing there) or "not_deletable" (http: the provider keeps its files).
std::string DeleteStored(const SourceConfig& source, const std::string& location);

// ListS3Prefix lists every key under the s3 source's prefix, archive folders included.
std::vector<StoredObject> ListS3Prefix(const SourceConfig& source);

}  // namespace nightjar::runner

// factory.cpp maps a source kind to its implementation.
#include "runner/model/errors.hpp"
#include "runner/sources/source.hpp"

namespace nightjar::runner {

std::unique_ptr<Source> MakeDirSource(const SourceConfig& c);
std::unique_ptr<Source> MakeS3Source(const SourceConfig& c);
std::unique_ptr<Source> MakeHttpSource(const SourceConfig& c, const std::string& bookmark);
std::unique_ptr<Source> MakeEntityHttpSource(const SourceConfig& c, const std::string& bookmark);

// MakeSource builds the source for a configuration.
std::unique_ptr<Source> MakeSource(const SourceConfig& config, const std::string& bookmark) {
    if (config.kind == "dir") return MakeDirSource(config);
    if (config.kind == "s3") return MakeS3Source(config);
    if (config.kind == "http" && !config.http.entities_query.empty())
        return MakeEntityHttpSource(config, bookmark);
    if (config.kind == "http") return MakeHttpSource(config, bookmark);
    throw ConfigError("source " + config.name + ": unknown kind " + config.kind);
}

}  // namespace nightjar::runner

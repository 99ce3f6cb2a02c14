// spool.hpp: the run's spool directory (<spool root>/<source>-<pid>/), where remote files
// are downloaded before staging: its place, its names, the free-disk check before each
// batch, and its removal however the run ends.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "runner/config/config.hpp"

namespace nightjar::runner {

// SpoolRoot returns the configured spool root, else <cluster home>/spool.
std::filesystem::path SpoolRoot(const Config& config);

// ClearStaleSpools removes spool directories of this source whose runner is gone.
void ClearStaleSpools(const std::filesystem::path& root, const std::string& source);

// EmptySpool removes everything inside the spool directory (kept itself).
void EmptySpool(const std::filesystem::path& dir);

// CheckDisk throws CriticalError(kExitDisk) when free space is below need + margin.
void CheckDisk(const std::filesystem::path& dir, std::uint64_t need, double margin_mb);

// SpoolName derives a spool file name that cannot escape the spool directory: a sequence
// number plus the key's basename reduced to [A-Za-z0-9._-] (no leading dot).
std::string SpoolName(int seq, const std::string& key);

// SpoolGuard removes the run's spool directory when the run ends, however it ends (a
// critical error included), unless --no-cleanup asked to keep it.
struct SpoolGuard {
    std::filesystem::path dir;
    bool keep = false;
    // ~SpoolGuard removes the spool unless it is to be kept.
    ~SpoolGuard();
};

}  // namespace nightjar::runner

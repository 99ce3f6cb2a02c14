// spool.cpp: spool directories are per runner process, so several runners (of several
// sources, or on several machines sharing a disk) never share one; a dead runner's spool
// is recognised by its pid and removed by the next run of the same source.
#include "runner/ingest/spool.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>

#include "runner/cluster/local_cluster.hpp"
#include "runner/model/errors.hpp"

namespace fs = std::filesystem;

namespace nightjar::runner {

// SpoolRoot returns the configured spool root, else <cluster home>/spool.
fs::path SpoolRoot(const Config& config) {
    if (!config.spool_dir.empty()) return config.spool_dir;
    return fs::path(ResolveClusterPaths().home) / "spool";
}

// ClearStaleSpools removes spool directories of this source whose runner is gone.
void ClearStaleSpools(const fs::path& root, const std::string& source) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root, ec)) {
        std::string n = e.path().filename().string();
        if (n.rfind(source + "-", 0) != 0) continue;
        std::string pid = n.substr(source.size() + 1);
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        if (std::stol(pid) != static_cast<long>(getpid()) && !fs::exists("/proc/" + pid))
            fs::remove_all(e.path(), ec);
    }
}

// EmptySpool removes everything inside the spool directory.
void EmptySpool(const fs::path& dir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) fs::remove_all(e.path(), ec);
}

// CheckDisk throws CriticalError(kExitDisk) when free space is below need + margin.
void CheckDisk(const fs::path& dir, std::uint64_t need, double margin_mb) {
    struct statvfs st {};
    if (statvfs(dir.c_str(), &st) != 0) return;
    std::uint64_t free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    std::uint64_t want = need + static_cast<std::uint64_t>(margin_mb * 1048576.0);
    if (free_bytes < want)
        throw CriticalError(kExitDisk, "free disk below batch size plus margin: " +
                                           std::to_string(free_bytes / 1048576) + " MB free in " +
                                           dir.string() + ", " + std::to_string(want / 1048576) +
                                           " MB needed");
}

// SpoolName derives a spool file name that cannot escape the spool directory.
std::string SpoolName(int seq, const std::string& key) {
    std::string base = key;
    auto slash = base.find_last_of("/\\");
    if (slash != std::string::npos) base = base.substr(slash + 1);
    std::string clean;
    for (unsigned char c : base)
        clean += (std::isalnum(c) || c == '.' || c == '_' || c == '-') ? static_cast<char>(c) : '_';
    while (!clean.empty() && clean.front() == '.') clean.erase(0, 1);
    if (clean.size() > 100) clean = clean.substr(clean.size() - 100);
    if (clean.empty()) clean = "file";
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%06d-", seq);
    return prefix + clean;
}

// ~SpoolGuard removes the spool unless it is to be kept.
SpoolGuard::~SpoolGuard() {
    std::error_code ec;
    if (!keep && !dir.empty()) fs::remove_all(dir, ec);
}

}  // namespace nightjar::runner

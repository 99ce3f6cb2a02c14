// dir_source.cpp: a local directory as a source. Listing walks the tree recursively and
// keeps files matching the patterns (paths relative to the root; success/ and failure/
// are the archive and are never listed). Files are read in place, so nothing is copied
// into the spool; archiving is a rename, which is atomic on one file system.
#include <filesystem>
#include <system_error>

#include "runner/model/errors.hpp"
#include "runner/sources/source.hpp"
#include "runner/util/glob.hpp"

namespace fs = std::filesystem;

namespace nightjar::runner {

// ArchivedName inserts the processing date before the extension.
std::string ArchivedName(const std::string& name, const std::string& date) {
    auto dot = name.find_last_of('.');
    if (dot == std::string::npos || dot == 0) return name + "." + date;
    return name.substr(0, dot) + "." + date + name.substr(dot);
}

namespace {

// DirSource lists and archives files under a local directory.
class DirSource : public Source {
  public:
    explicit DirSource(const SourceConfig& c) : config_(c), root_(c.location) {}

    // List walks the directory and returns matching files.
    std::vector<Candidate> List() override {
        std::error_code ec;
        if (!fs::is_directory(root_, ec))
            throw CriticalError(
                kExitSource, "source " + config_.name + ": directory not found: " + root_.string());
        std::vector<Candidate> out;
        for (auto it = fs::recursive_directory_iterator(root_, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            std::string rel = fs::relative(it->path(), root_).generic_string();
            if (it->is_directory() && (rel == "success" || rel == "failure")) {
                it.disable_recursion_pending();
                continue;
            }
            if (!it->is_regular_file()) continue;
            bool match = false;
            for (const auto& p : config_.patterns) match = match || GlobMatch(p, rel);
            if (!match) continue;
            Candidate c;
            c.key = rel;
            c.name = it->path().filename().string();
            c.size = it->file_size();
            c.rel_path = rel;
            out.push_back(std::move(c));
        }
        if (ec)
            throw CriticalError(kExitSource, "source " + config_.name + ": cannot list " +
                                                 root_.string() + ": " + ec.message());
        return out;
    }

    // LocalPath returns the file's path under the root.
    std::optional<std::string> LocalPath(const Candidate& f) override {
        return (root_ / f.key).string();
    }

    // Fetch copies the file (used only when the caller insists on a spool copy).
    void Fetch(const Candidate& f, const std::string& dest) override {
        std::error_code ec;
        fs::copy_file(root_ / f.key, dest, fs::copy_options::overwrite_existing, ec);
        if (ec) throw FileError("cannot read " + f.key + ": " + ec.message());
    }

    // Archive renames the file into success/ or failure/ with the date in its name.
    std::string Archive(const Candidate& f, bool success, const std::string& date) override {
        if (config_.archive == "keep") return "";
        fs::path src = root_ / f.key;
        fs::path rel_dir = fs::path(f.key).parent_path();
        fs::path dir = root_ / (success ? "success" : "failure") / rel_dir;
        std::error_code ec;
        if (!fs::exists(src, ec)) return "";
        fs::create_directories(dir, ec);
        fs::path dest = dir / ArchivedName(f.name, date);
        for (int i = 1; fs::exists(dest, ec); ++i)
            dest = dir / ArchivedName(f.name, date + "-" + std::to_string(i));
        fs::rename(src, dest, ec);
        if (ec) throw FileError("cannot archive " + f.key + ": " + ec.message());
        return fs::relative(dest, root_).generic_string();
    }

  private:
    const SourceConfig& config_;
    fs::path root_;
};

}  // namespace

std::unique_ptr<Source> MakeDirSource(const SourceConfig& c) {
    return std::make_unique<DirSource>(c);
}

}  // namespace nightjar::runner

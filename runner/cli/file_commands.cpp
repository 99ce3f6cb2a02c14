// file_commands.cpp: the runner acts on files the database has judged. `archive` asks
// nightjar.files_to_archive which files of a source (archive = "keep") have a known
// destination and moves them; `scrub` asks nightjar.scrub_targets which stored copies an
// erasure's (or a step's) result names, deletes them and records each in
// nightjar.file_scrub; `orphans` lists an S3 prefix and passes it to
// nightjar.orphan_objects (orphan_files for keys). Each file is its own short transaction:
// a failure on one file is reported and the others go on (exit 1).
#include "runner/cli/file_commands.hpp"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <pqxx/pqxx>
#include <sstream>

#include "runner/cli/guarded.hpp"
#include "runner/config/config.hpp"
#include "runner/ingest/catalog.hpp"
#include "runner/model/errors.hpp"
#include "runner/sources/file_store.hpp"
#include "runner/util/json_text.hpp"

namespace nightjar::runner {
namespace {

// ArchiveJudged moves the source's judged files and prints one line per file.
int ArchiveJudged(const Config& config, const std::string& source_name, bool require_verdict) {
    const SourceConfig& source = FindSource(config, source_name);
    auto conn = Connect(config);
    pqxx::result files;
    {
        pqxx::read_transaction tx(*conn);
        files = tx.exec_params(
            "SELECT file_id, location, name, destination, processed "
            "FROM nightjar.files_to_archive($1, $2)",
            source_name, require_verdict);
    }
    int failed = 0;
    for (const auto& row : files) {
        long id = row[0].as<long>();
        std::string dest = row[3].as<std::string>();
        try {
            std::string where =
                ArchiveInPlace(source, row[1].as<std::string>(), row[2].as<std::string>(),
                               dest == "success", row[4].as<std::string>());
            RecordArchive(*conn, id, where);
            std::cout << "archived file " << id << " " << row[1].as<std::string>() << " -> "
                      << where << "\n";
        } catch (const FileError& e) {
            ++failed;
            std::cout << "failed file " << id << ": " << e.what() << "\n";
        }
    }
    std::cout << files.size() - failed << " file(s) archived, " << failed << " failed\n";
    return failed ? kExitFilesFailed : kExitOk;
}

// ReadInput returns the text of a file, or of stdin for "-".
std::string ReadInput(const std::string& path) {
    if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError("cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Scrub deletes the stored copies named by result and ids and records each.
int Scrub(const Config& config, const std::string& result, const std::string& ids, bool dry_run) {
    auto conn = Connect(config);
    pqxx::result targets;
    {
        pqxx::read_transaction tx(*conn);
        targets = tx.exec_params(
            "SELECT file_id, source, kind, location "
            "FROM nightjar.scrub_targets($1::jsonb, $2::bigint[])",
            result, ids);
    }
    int failed = 0;
    for (const auto& row : targets) {
        long id = row[0].as<long>();
        std::string source = row[1].as<std::string>(), location = row[3].as<std::string>();
        if (dry_run) {
            std::cout << "would delete file " << id << " " << location << "\n";
            continue;
        }
        try {
            std::string outcome = DeleteStored(FindSource(config, source), location);
            pqxx::work tx(*conn);
            tx.exec_params("SELECT nightjar.record_scrub($1, $2, $3)", id, location, outcome);
            tx.commit();
            std::cout << outcome << " file " << id << " " << location << "\n";
        } catch (const std::runtime_error& e) {  // FileError, or a source not in this file
            ++failed;
            std::cout << "failed file " << id << ": " << e.what() << "\n";
        }
    }
    std::cout << targets.size() - failed << " file(s) " << (dry_run ? "to scrub" : "scrubbed")
              << ", " << failed << " failed\n";
    return failed ? kExitFilesFailed : kExitOk;
}

// Orphans lists the s3 source's prefix and prints (or deletes) what nothing references.
int Orphans(const Config& config, const std::string& source_name, const std::string& grace,
            bool remove) {
    const SourceConfig& source = FindSource(config, source_name);
    std::vector<StoredObject> objects = ListS3Prefix(source);
    std::string root = source.s3.prefix;
    while (!root.empty() && root.back() == '/') root.pop_back();
    std::string listing = "[";
    for (size_t i = 0; i < objects.size(); ++i)
        listing += (i ? "," : "") + std::string("{\"path\":") + JsonString(objects[i].path) +
                   ",\"root\":" + JsonString(root) +
                   ",\"modified\":" + JsonString(objects[i].modified) + "}";
    listing += "]";
    auto conn = Connect(config);
    pqxx::result orphans;
    {
        pqxx::work tx(*conn);  // orphan_files fills a temporary table
        orphans = tx.exec_params(
            "SELECT path, modified::text FROM nightjar.orphan_objects($1, $2::jsonb, $3::interval)",
            source.s3.bucket, listing, grace);
    }
    int failed = 0;
    for (const auto& row : orphans) {
        std::string key = row[0].as<std::string>();
        if (!remove) {
            std::cout << "orphan " << key << " (modified " << row[1].as<std::string>() << ")\n";
            continue;
        }
        try {
            std::cout << DeleteStored(source, key) << " orphan " << key << "\n";
        } catch (const FileError& e) {
            ++failed;
            std::cout << "failed orphan " << key << ": " << e.what() << "\n";
        }
    }
    std::cout << objects.size() << " object(s) listed, " << orphans.size() << " orphan(s)"
              << (remove ? " deleted" : " (dry run: --delete removes them)") << "\n";
    return failed ? kExitFilesFailed : kExitOk;
}

}  // namespace

// RegisterFileCommands adds `archive`, `scrub` and `orphans`.
void RegisterFileCommands(CLI::App& app) {
    static std::string config_path = "nightjar.toml", source, input, grace = "7 days";
    static std::vector<long> ids;
    static bool require_verdict = false, dry_run = false, remove = false;

    auto* archive = app.add_subcommand(
        "archive",
        "move a source's files left in place (archive = \"keep\") to success/ or "
        "failure/ once the database knows their verdict");
    archive->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
    archive->add_option("--source", source, "source name")->required();
    archive->add_flag("--require-verdict", require_verdict,
                      "leave staged files without a step's verdict (nightjar.set_file_verdict) "
                      "in place");
    archive->callback([] {
        Guarded([] { return ArchiveJudged(LoadConfig(config_path), source, require_verdict); });
    });

    auto* scrub = app.add_subcommand(
        "scrub",
        "delete the stored copies (archives, files left in place) of the files an "
        "erasure listed, and record it in nightjar.file_scrub");
    scrub->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
    scrub->add_option("--json", input,
                      "an erase_subject or step result (file with \"file_id\"s or "
                      "\"files_to_scrub\"), - for stdin");
    scrub->add_option("file_id", ids, "file ids to scrub");
    scrub->add_flag("--dry-run", dry_run, "print what would be deleted");
    scrub->callback([] {
        Guarded([] {
            std::string result = input.empty() ? "{}" : ReadInput(input);
            std::string list = "{";
            for (size_t i = 0; i < ids.size(); ++i) list += (i ? "," : "") + std::to_string(ids[i]);
            list += "}";
            return Scrub(LoadConfig(config_path), result, list, dry_run);
        });
    });

    auto* orphans = app.add_subcommand(
        "orphans",
        "list an s3 source's objects that no file row references (dry run unless "
        "--delete)");
    orphans->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
    orphans->add_option("--source", source, "s3 source name")->required();
    orphans->add_option("--grace", grace, "keep objects younger than this interval")
        ->capture_default_str();
    orphans->add_flag("--delete", remove, "delete the orphans");
    orphans->callback(
        [] { Guarded([] { return Orphans(LoadConfig(config_path), source, grace, remove); }); });
}

}  // namespace nightjar::runner

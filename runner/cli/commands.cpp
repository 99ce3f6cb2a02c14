// commands.cpp: the CLI surface of ingestion. It parses flags, loads the configuration
// and runs each command under Guarded (guarded.hpp), which maps exceptions to exit codes:
// a critical error prints one line ("nightjar: critical: <cause>") and exits with its
// distinct code.
#include "runner/cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "runner/cli/apply.hpp"
#include "runner/cli/dispatch.hpp"
#include "runner/cli/guarded.hpp"
#include "runner/config/config.hpp"
#include "runner/ingest/catalog.hpp"
#include "runner/ingest/run.hpp"
#include "runner/model/errors.hpp"

namespace nightjar::runner {

// RegisterIngestCommands adds `apply`, `run` and `plan` to the app.
void RegisterIngestCommands(CLI::App& app) {
    static std::string config_path = "nightjar.toml";
    static RunOptions opts;

    auto* apply = app.add_subcommand("apply",
                                     "record the configured sources and pipelines in the catalog "
                                     "(idempotent) and print what changed");
    apply->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
    apply->callback([] {
        Guarded([] {
            Config config = LoadConfig(config_path);
            auto conn = Connect(config);
            pqxx::work tx(*conn);  // sources and pipelines are applied together or not at all
            auto changes = ApplySources(tx, config);
            for (auto& c : ApplyPipelines(tx, config)) changes.push_back(std::move(c));
            tx.commit();
            for (const auto& c : changes) std::cout << c.action << " " << c.object << "\n";
            return 0;
        });
    });

    auto add_run_flags = [](CLI::App* cmd) {
        cmd->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
        cmd->add_option("-s,--source", opts.source, "only this source (default: every source)");
        auto* from =
            cmd->add_option("--resume-from-batch", opts.resume_from_batch,
                            "resume the source's recorded plan (the latest run's) at its batch K")
                ->check(CLI::PositiveNumber);
        cmd->add_flag("--resume", opts.resume,
                      "resume the source's recorded plan at its first batch not staged")
            ->excludes(from);
    };
    auto* run =
        app.add_subcommand("run", "list, score, plan and stage the sources' files batch by batch");
    add_run_flags(run);
    run->add_flag("--dry-run", opts.dry_run,
                  "print the plan (files, scores, batches) and stage nothing");
    run->add_flag("--interactive", opts.interactive, "confirm each batch on stdin");
    run->add_flag("--no-cleanup", opts.no_cleanup, "keep the spool directory");
    run->add_option("--report-json", opts.report_json, "write the final report as JSON to FILE");
    run->add_option("--disk-margin-mb", opts.disk_margin_mb,
                    "free disk required beyond a batch's size")
        ->capture_default_str();
    static bool dispatch_after = false;
    run->add_flag("--dispatch", dispatch_after,
                  "then run the pipelines' due steps (nightjar.dispatch) and print their runs");
    run->callback([] {
        Guarded([] {
            Config config = LoadConfig(config_path);
            int rc = RunIngest(config, opts);
            if (dispatch_after && !opts.dry_run)
                rc = std::max(rc, DispatchAndReport(config, DispatchOptions{}, std::cout));
            return rc;
        });
    });

    static DispatchOptions dispatch_opts;
    auto* dispatch = app.add_subcommand(
        "dispatch", "run the pipelines' due steps now (CALL nightjar.dispatch) and print the runs");
    dispatch->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
    dispatch->add_option("--max-steps", dispatch_opts.max_steps, "stop after N steps")
        ->check(CLI::PositiveNumber);
    dispatch->add_option("--max-seconds", dispatch_opts.max_seconds, "stop after about N seconds")
        ->check(CLI::PositiveNumber);
    dispatch->add_option("--pipeline", dispatch_opts.pipeline, "only this pipeline");
    dispatch->callback([dispatch] {
        Guarded([dispatch] {
            // Only the database matters here: without -c and without ./nightjar.toml, the
            // default database (NIGHTJAR_DATABASE_URL or the local cluster) is used.
            bool has_config =
                dispatch->count("--config") > 0 || std::filesystem::exists(config_path);
            Config config = has_config ? LoadConfig(config_path) : Config{};
            return DispatchAndReport(config, dispatch_opts, std::cout);
        });
    });

    auto* plan = app.add_subcommand(
        "plan", "print the plan of `run` without staging (same as run --dry-run)");
    add_run_flags(plan);
    plan->callback([] {
        Guarded([] {
            RunOptions o = opts;
            o.dry_run = true;
            return RunIngest(LoadConfig(config_path), o);
        });
    });
}

}  // namespace nightjar::runner
